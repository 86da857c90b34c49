// The gRPC face on the SQLite store with a sync held (SqliteStoreOptions::
// sync_for_testing): a write's call stays pending until its sync ends, while
// other calls are answered; its push leaves only after the sync. A real
// in-process server on 127.0.0.1:0, the real MailboxService and
// SqliteMailboxStore in TEST_TMPDIR.
#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/synchronization/notification.h"
#include "common/clock.h"
#include "common/uuid.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "relay/fake_push_notifier.h"
#include "relay/mailbox_service.h"
#include "relay/relay_grpc.h"
#include "relay/sqlite_mailbox_store.h"

namespace sct::relay {
namespace {

namespace pb = ::relay::v1;

// Once armed, holds the first sync until released; later syncs pass.
class HeldSync {
 public:
  std::function<absl::Status()> Hook() {
    return [this]() -> absl::Status {
      if (!armed_.load() || held_.exchange(true)) return absl::OkStatus();
      entered.Notify();
      release.WaitForNotification();
      return absl::OkStatus();
    };
  }
  void Arm() { armed_.store(true); }
  absl::Notification entered, release;

 private:
  std::atomic<bool> armed_{false}, held_{false};
};

class RelayGrpcDeferredTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* dir = std::getenv("TEST_TMPDIR");
    SqliteStoreOptions options;
    options.sync_for_testing = sync_.Hook();
    absl::StatusOr<std::unique_ptr<SqliteMailboxStore>> store = SqliteMailboxStore::Open(
        std::string(dir != nullptr ? dir : "/tmp") + "/deferred-" + NewUuidV4() + ".db",
        std::move(options));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    service_ = std::make_unique<MailboxService>(store_.get(), &clock_, &push_,
                                                "https://relay.example", RelayLimits());
    grpc_service_ = std::make_unique<RelayGrpcService>(service_.get(), nullptr);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(grpc_service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = pb::Relay::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                   grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    // Never leave a sync held at shutdown.
    if (!sync_.release.HasBeenNotified()) sync_.release.Notify();
    if (server_) server_->Shutdown();
  }

  pb::CreateMailboxRequest CreateRequest(const std::string& claim) {
    pb::CreateMailboxRequest r;
    r.set_device_claim(claim);
    r.set_request_id(NewUuidV4());
    r.mutable_payload()->set_type("AEAD_AES_256_GCM");
    r.mutable_payload()->set_data(std::string(64, 'x'));
    r.mutable_display_information()->set_title("Hotel room 12");
    r.mutable_notification_token()->set_type("fake-oem");
    r.mutable_notification_token()->set_token_data("sender-token");
    r.mutable_mailbox_configuration()->set_access_rights("RWD");
    return r;
  }
  std::string Create(const std::string& claim) {
    grpc::ClientContext ctx;
    pb::CreateMailboxResponse out;
    EXPECT_TRUE(stub_->CreateMailbox(&ctx, CreateRequest(claim), &out).ok());
    return out.url_link().substr(out.url_link().rfind('/') + 1);
  }
  grpc::Status ReadDisplay(const std::string& id) {
    grpc::ClientContext ctx;
    pb::ReadDisplayInformationRequest r;
    r.set_mailbox_id(id);
    pb::ReadDisplayInformationResponse out;
    return stub_->ReadDisplayInformation(&ctx, r, &out);
  }

  HeldSync sync_;
  FakeClock clock_;
  FakePushNotifier push_{{"fake-oem"}};
  std::unique_ptr<SqliteMailboxStore> store_;
  std::unique_ptr<MailboxService> service_;
  std::unique_ptr<RelayGrpcService> grpc_service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<pb::Relay::Stub> stub_;
};

TEST_F(RelayGrpcDeferredTest, AWriteIsAnsweredOnlyWhenItsSyncEndsWhileReadsAreAnswered) {
  const std::string existing = Create(NewUuidV4());
  const int64_t deferred_before = store_->deferred_writes();
  sync_.Arm();
  grpc::ClientContext ctx;
  const pb::CreateMailboxRequest create = CreateRequest(NewUuidV4());
  pb::CreateMailboxResponse created;
  grpc::Status status;
  absl::Notification answered;
  stub_->async()->CreateMailbox(&ctx, &create, &created, [&](grpc::Status s) {
                                  status = std::move(s);
                                  answered.Notify();
                                });
  sync_.entered.WaitForNotification();  // committed; its sync is held
  // The handler returned at the COMMIT: no gRPC thread waits for the sync.
  EXPECT_EQ(store_->deferred_writes(), deferred_before + 1);
  // Other calls are answered meanwhile; the write is not.
  EXPECT_TRUE(ReadDisplay(existing).ok());
  EXPECT_FALSE(answered.HasBeenNotified());
  sync_.release.Notify();
  answered.WaitForNotification();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(created.url_link().empty());
}

TEST_F(RelayGrpcDeferredTest, AnUpdatesPushLeavesOnlyAfterItsSync) {
  const std::string sender = NewUuidV4(), receiver = NewUuidV4();
  const std::string id = Create(sender);
  {
    grpc::ClientContext ctx;
    pb::ReadSecureContentRequest r;
    r.set_mailbox_id(id);
    r.set_device_claim(receiver);
    r.set_request_id(NewUuidV4());
    pb::ReadSecureContentResponse out;
    ASSERT_TRUE(stub_->ReadSecureContent(&ctx, r, &out).ok());  // binds the receiver
  }
  push_.Clear();
  sync_.Arm();
  grpc::ClientContext ctx;
  pb::UpdateMailboxRequest update;
  update.set_mailbox_id(id);
  update.set_device_claim(receiver);
  update.set_request_id(NewUuidV4());
  update.mutable_payload()->set_type("AEAD_AES_256_GCM");
  update.mutable_payload()->set_data(std::string(64, 'y'));
  pb::UpdateMailboxResponse updated;
  grpc::Status status;
  absl::Notification answered;
  stub_->async()->UpdateMailbox(&ctx, &update, &updated, [&](grpc::Status s) {
    status = std::move(s);
    answered.Notify();
  });
  sync_.entered.WaitForNotification();
  EXPECT_TRUE(push_.sent().empty());  // the sender is not told before the sync
  sync_.release.Notify();
  answered.WaitForNotification();
  ASSERT_TRUE(status.ok()) << status.error_message();
  // Pushed by the thread that ended the sync, before it answered.
  ASSERT_EQ(push_.sent().size(), 1u);
  EXPECT_EQ(push_.sent()[0].token.token_data, "sender-token");
}

}  // namespace
}  // namespace sct::relay
