// The fixture of MailboxService's unit tests (mailbox_service_*_test.cc):
// a service on a MemoryMailboxStore, a FakeClock and a FakePushNotifier, and
// helpers that call each operation. testonly.
#ifndef SCT_RELAY_MAILBOX_SERVICE_TEST_FIXTURE_H_
#define SCT_RELAY_MAILBOX_SERVICE_TEST_FIXTURE_H_

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/uuid.h"
#include "gtest/gtest.h"
#include "relay/fake_push_notifier.h"
#include "relay/mailbox_service.h"
#include "relay/memory_mailbox_store.h"

namespace sct::relay {

inline constexpr char kBaseUrl[] = "https://relay.example";

inline std::string Uuid() { return NewUuidV4(); }

inline Payload MakePayload(size_t size = 64, char fill = 'p') {
  return Payload{kAeadAes128Gcm, std::string(size, fill)};
}

// Asserts `status` has `code` and `reason`, and its message names `field`.
inline void ExpectError(const absl::Status& status, absl::StatusCode code, absl::string_view reason,
                        absl::string_view field = "") {
  EXPECT_EQ(status.code(), code) << status;
  EXPECT_EQ(ReasonOf(status), reason) << status;
  if (!field.empty()) {
    EXPECT_TRUE(absl::StrContains(status.message(), field))
        << "message '" << status.message() << "' does not name " << field;
  }
}

class MailboxServiceTest : public testing::Test {
 protected:
  MailboxServiceTest() { Rebuild(RelayLimits()); }

  void Rebuild(RelayLimits limits) {
    service_ = std::make_unique<MailboxService>(&store_, &clock_, &push_, kBaseUrl, limits);
  }

  CreateMailboxRequest CreateReq(const std::string& claim, const std::string& rights = "") {
    CreateMailboxRequest req;
    req.device_claim = claim;
    req.request_id = Uuid();
    req.payload = MakePayload();
    req.display = {"Car key", "Blue car", "https://example.com/car.png"};
    req.notification_token = NotificationToken{"oem-a", "sender-token"};
    if (!rights.empty()) req.access_rights = rights;  // "" leaves the default
    return req;
  }

  // Creates a mailbox owned by sender_ and returns its id.
  std::string Create(const std::string& rights = "") {
    auto r = service_->CreateMailbox(ctx_, CreateReq(sender_, rights));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->mailbox_id : "";
  }

  absl::StatusOr<ReadSecureContentResponse> Read(const std::string& id, const std::string& claim,
                                                 const std::string& request_id = Uuid(),
                                                 const CallContext* ctx = nullptr) {
    ReadSecureContentRequest req{id, claim, request_id,
                                 NotificationToken{"oem-b", "receiver-token"}};
    return service_->ReadSecureContent(ctx != nullptr ? *ctx : ctx_, req);
  }

  absl::StatusOr<UpdateMailboxResponse> Update(const std::string& id, const std::string& claim,
                                               const Payload& payload,
                                               const std::string& request_id = Uuid()) {
    return service_->UpdateMailbox(
        ctx_, UpdateMailboxRequest{id, claim, request_id, payload, std::nullopt});
  }

  absl::StatusOr<EmptyResponse> Delete(const std::string& id, const std::string& claim,
                                       const std::string& request_id = Uuid()) {
    return service_->DeleteMailbox(ctx_, DeleteMailboxRequest{id, claim, request_id});
  }

  absl::StatusOr<EmptyResponse> Relinquish(const std::string& id, const std::string& claim,
                                           const std::string& request_id = Uuid()) {
    return service_->RelinquishMailbox(ctx_, RelinquishMailboxRequest{id, claim, request_id});
  }

  Mailbox Stored(const std::string& id) {
    auto m = store_.Get(id, clock_.Now());
    EXPECT_TRUE(m.ok()) << m.status();
    return m.ok() ? *m : Mailbox{};
  }

  FakeClock clock_;
  MemoryMailboxStore store_;
  FakePushNotifier push_;
  std::unique_ptr<MailboxService> service_;
  CallContext ctx_{"192.0.2.1"};
  const std::string sender_ = Uuid();
  const std::string receiver_ = Uuid();
  const std::string stranger_ = Uuid();
};

}  // namespace sct::relay

#endif  // SCT_RELAY_MAILBOX_SERVICE_TEST_FIXTURE_H_
