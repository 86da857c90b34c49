#include "device/mailbox_io.h"

#include <string>
#include <vector>

#include "common/errors.h"
#include "common/uuid.h"
#include "crypto/mailbox_payload.h"
#include "device/fake_services.h"
#include "device/grpc_relay_client.h"
#include "device/outbound_call.h"
#include "gtest/gtest.h"

namespace sct::device {
namespace {

namespace dv = ::device::v1;
using ::device::state::MailboxEntry;
using ::testing::_;
using ::testing::Return;

class MailboxIoTest : public ::testing::Test {
 protected:
  MailboxIoTest()
      : relay_(&log_),
        caller_(absl::Seconds(5)),
        client_(&relay_, &caller_),
        io_(&client_, [this](absl::string_view p) { seen_.emplace_back(p); }) {}

  // A mailbox created by a sender whose round 1 is `content`; returns the
  // sender's entry.
  MailboxEntry Create(const dv::MailboxContent& content) {
    MailboxEntry sender;
    sender.set_role(dv::ROLE_SENDER);
    sender.set_secret(std::string(16, '\x05'));
    sender.set_payload_type("AEAD_AES_128_GCM");
    sender.set_claim(NewUuidV4());
    sender.set_round(content.round());
    ::relay::v1::CreateMailboxRequest req;
    req.set_device_claim(sender.claim());
    req.mutable_payload()->set_type(sender.payload_type());
    *req.mutable_payload()->mutable_data() =
        io_.Seal(crypto::PayloadCipher::kAes128Gcm, sender.secret(), content).value();
    req.mutable_display_information()->set_title("A key was shared with you");
    ::relay::v1::CreateMailboxResponse resp;
    grpc::ClientContext ctx;
    EXPECT_TRUE(relay_.CreateMailbox(&ctx, req, &resp).ok());
    sender.set_mailbox_id(resp.url_link().substr(resp.url_link().rfind('/') + 1));
    return sender;
  }

  // The receiver's entry for the sender's mailbox, with its own claim.
  static MailboxEntry ReceiverOf(const MailboxEntry& sender) {
    MailboxEntry receiver = sender;
    receiver.set_role(dv::ROLE_RECEIVER);
    receiver.set_claim(NewUuidV4());
    return receiver;
  }

  static dv::MailboxContent Offer() {
    dv::MailboxContent content;
    content.set_version(kMailboxContentVersion);
    content.set_round(1);
    content.mutable_provisioning()->set_label("Car");
    return content;
  }

  testing::CallLog log_;
  testing::FakeRelay relay_;
  OutboundCaller caller_;
  GrpcRelayClient client_;
  MailboxIo io_;
  std::vector<std::string> seen_;
};

TEST_F(MailboxIoTest, ReadOpensTheContentAndRecordsExpiryAndTitle) {
  MailboxEntry receiver = ReceiverOf(Create(Offer()));
  seen_.clear();
  auto content = io_.Read(receiver);
  ASSERT_TRUE(content.ok()) << content.status();
  EXPECT_EQ(content->provisioning().label(), "Car");
  EXPECT_EQ(receiver.display_title(), "A key was shared with you");
  EXPECT_TRUE(receiver.has_expires_at());  // the fake relay's RFC 3339 expiration
  ASSERT_EQ(seen_.size(), 1u);             // the observer saw the plaintext
  EXPECT_EQ(seen_[0], Offer().SerializeAsString());
}

TEST(RecordExpirationTest, AnOutOfRangeExpiryIsLeftUnknownNotClamped) {
  ::relay::v1::ReadSecureContentResponse read;
  MailboxEntry entry;
  read.set_expiration("9999-12-31T23:59:59-01:00");  // 10000-01-01T00:59:59Z
  RecordExpiration(read, entry);
  EXPECT_FALSE(entry.has_expires_at());
  read.set_expiration("9999-12-31T23:59:59Z");
  RecordExpiration(read, entry);
  ASSERT_TRUE(entry.has_expires_at());
  EXPECT_EQ(entry.expires_at().seconds(), 253402300799);
}

TEST_F(MailboxIoTest, AWrongSecretIsDecryptFailedAndShowsNothing) {
  MailboxEntry receiver = ReceiverOf(Create(Offer()));
  seen_.clear();
  receiver.set_secret(std::string(16, '\x06'));
  auto st = io_.Read(receiver).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(st), "decrypt_failed");
  receiver.set_secret(std::string(32, '\x05'));  // the size of the other cipher
  EXPECT_EQ(ReasonOf(io_.Read(receiver).status()), "decrypt_failed");
  EXPECT_TRUE(seen_.empty());
}

TEST_F(MailboxIoTest, ContentOfAnotherVersionIsRefused) {
  dv::MailboxContent future = Offer();
  future.set_version(2);
  MailboxEntry receiver = ReceiverOf(Create(future));
  auto st = io_.Read(receiver).status();
  EXPECT_EQ(ReasonOf(st), "invalid_field");
  EXPECT_EQ(st.message(), "payload: not a version-1 device.v1.MailboxContent");
}

TEST_F(MailboxIoTest, WriteAdvancesTheRoundForTheOtherParty) {
  MailboxEntry sender = Create(Offer());
  MailboxEntry receiver = ReceiverOf(sender);
  ASSERT_TRUE(io_.Read(receiver).ok());  // binds the receiver's claim
  dv::MailboxContent request;
  request.mutable_key_signing_request()->set_receiver_public_key("spki");
  ASSERT_TRUE(io_.Write(receiver, request).ok());
  EXPECT_EQ(receiver.round(), 2u);
  auto read = io_.Read(sender);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->round(), 2u);
  EXPECT_EQ(read->version(), kMailboxContentVersion);
  EXPECT_EQ(read->key_signing_request().receiver_public_key(), "spki");
}

TEST_F(MailboxIoTest, DeleteAndRelinquishUseTheEntrysClaim) {
  MailboxEntry sender = Create(Offer());
  MailboxEntry receiver = ReceiverOf(sender);
  ASSERT_TRUE(io_.Read(receiver).ok());
  ASSERT_TRUE(io_.Relinquish(receiver).ok());
  EXPECT_FALSE(io_.Relinquish(receiver).ok());  // no longer bound
  ASSERT_TRUE(io_.Delete(sender).ok());
  EXPECT_FALSE(relay_.Exists(sender.mailbox_id()));
  EXPECT_EQ(io_.Delete(sender).code(), absl::StatusCode::kNotFound);
  io_.DeleteBestEffort(sender);  // NOT_FOUND is not worth a log line, nor a crash
}

TEST(MailboxIoUnreachableTest, ARelayThatCannotBeReachedIsRelayUnavailable) {
  ::testing::NiceMock<::relay::v1::MockRelayStub> relay;
  ON_CALL(relay, ReadSecureContent(_, _, _))
      .WillByDefault(Return(grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused")));
  OutboundCaller caller(absl::Seconds(1));
  GrpcRelayClient client(&relay, &caller);
  MailboxIo io(&client, nullptr);
  MailboxEntry entry;
  entry.set_mailbox_id(NewUuidV4());
  auto st = io.Read(entry).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(st), "relay_unavailable");
}

}  // namespace
}  // namespace sct::device
