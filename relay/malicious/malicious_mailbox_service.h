// The active malicious relay: a decorator of MailboxOperations that serves
// the honest MailboxService's answers except where a chosen Behaviour
// (behaviours.h) makes it lie. It sits between both faces (HTTP and gRPC)
// and the honest service, so either face misbehaves alike; the honest logic
// is not touched. Where a behaviour needs the stored truth (a bound
// mailbox's content for a reader the honest service refuses, a partner's
// payload) it reads the store directly, and where it bypasses the honest
// checks it writes the store directly.
//
// What a device can detect of each behaviour: docs/attack.md, "Active
// malicious relay".
//
// Memory: what the behaviours remember (payload history, creation order,
// dropped rounds) grows with the mailboxes created and is never freed: a
// mode for scenarios and tests, not for a long-running relay.
//
// Thread-safety: thread-safe. `honest`, `store` and `clock` are not owned
// and must outlive this object. Errors are the honest service's (a direct
// store write that fails answers UNAVAILABLE "store_unavailable").
#ifndef SCT_RELAY_MALICIOUS_MALICIOUS_MAILBOX_SERVICE_H_
#define SCT_RELAY_MALICIOUS_MALICIOUS_MAILBOX_SERVICE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "relay/mailbox_service.h"
#include "relay/mailbox_store.h"
#include "relay/malicious/behaviours.h"

namespace sct::relay::malicious {

// How much later than the enforced expiry kLieAboutExpiry claims.
inline constexpr absl::Duration kExpiryLie = absl::Hours(24);

class MaliciousMailboxService : public MailboxOperations {
 public:
  MaliciousMailboxService(MailboxOperations *honest, MailboxStore *store, const Clock *clock,
                          Behaviours behaviours)
      : honest_(honest), store_(store), clock_(clock), behaviours_(std::move(behaviours)) {}

  absl::StatusOr<CreateMailboxResponse> CreateMailbox(const CallContext &ctx,
                                                      const CreateMailboxRequest &req) override;
  absl::StatusOr<UpdateMailboxResponse> UpdateMailbox(const CallContext &ctx,
                                                      const UpdateMailboxRequest &req) override;
  absl::StatusOr<ReadSecureContentResponse> ReadSecureContent(
      const CallContext &ctx, const ReadSecureContentRequest &req) override;
  absl::StatusOr<ReadDisplayInformationResponse> ReadDisplayInformation(
      const CallContext &ctx, const std::string &mailbox_id) override {
    return honest_->ReadDisplayInformation(ctx, mailbox_id);
  }
  absl::StatusOr<EmptyResponse> DeleteMailbox(const CallContext &ctx,
                                              const DeleteMailboxRequest &req) override {
    return honest_->DeleteMailbox(ctx, req);
  }
  absl::StatusOr<EmptyResponse> RelinquishMailbox(const CallContext &ctx,
                                                  const RelinquishMailboxRequest &req) override {
    return honest_->RelinquishMailbox(ctx, req);
  }
  absl::Duration RetryAfter(const CallContext &ctx) const override {
    return honest_->RetryAfter(ctx);
  }
  RelayStats stats() const override { return honest_->stats(); }
  absl::StatusOr<int64_t> LiveMailboxes() override { return honest_->LiveMailboxes(); }
  const RelayLimits &limits() const override { return honest_->limits(); }

  const Behaviours &behaviours() const { return behaviours_; }

 private:
  bool Has(Behaviour b) const { return behaviours_.count(b) > 0; }
  // The stored mailbox `id` (any case) if it is live; nullopt otherwise (the
  // honest service then answers, with its own error).
  std::optional<Mailbox> Peek(const std::string &id) const;
  // Writes `payload` into mailbox `m` as a party would, bypassing the
  // binding check (kIgnoreBinding).
  absl::Status ForceUpdate(Mailbox m, const Payload &payload);
  // The lies of a successful read: an older round, the partner's payload,
  // a later expiry.
  void Distort(const std::string &id, ReadSecureContentResponse &out);
  void RecordPayload(const std::string &id, const Payload &payload);

  MailboxOperations *const honest_;
  MailboxStore *const store_;
  const Clock *const clock_;
  const Behaviours behaviours_;

  mutable absl::Mutex mu_;
  // Every payload each mailbox held, oldest first (kReplayRound).
  std::map<std::string, std::vector<Payload>> history_ ABSL_GUARDED_BY(mu_);
  // Mailbox ids in order of creation (kSwapPayloads).
  std::vector<std::string> created_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, size_t> creation_index_ ABSL_GUARDED_BY(mu_);
  // Mailboxes whose first update was dropped (kDropRound).
  std::set<std::string> dropped_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sct::relay::malicious

#endif  // SCT_RELAY_MALICIOUS_MALICIOUS_MAILBOX_SERVICE_H_
