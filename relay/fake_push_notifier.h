// A PushNotifier for tests: supports a fixed set of token types, records every
// notification, and can be told to fail. Thread-safe. testonly.
#ifndef SCT_RELAY_FAKE_PUSH_NOTIFIER_H_
#define SCT_RELAY_FAKE_PUSH_NOTIFIER_H_

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "relay/push_notifier.h"

namespace sct::relay {

class FakePushNotifier : public PushNotifier {
 public:
  struct Sent {
    NotificationToken token;
    std::string mailbox_id;
  };

  explicit FakePushNotifier(std::set<std::string> supported_types = {"oem-a", "oem-b"})
      : supported_(std::move(supported_types)) {}

  bool Supports(absl::string_view type) const override {
    return supported_.count(std::string(type)) > 0;
  }

  // Records the push and calls `done` before returning (with the status set
  // by FailWith, else OK).
  void Notify(const NotificationToken& token, absl::string_view mailbox_id,
              Done done) override {
    absl::Status outcome;
    {
      absl::MutexLock lock(&mu_);
      outcome = fail_with_;
      if (outcome.ok()) sent_.push_back({token, std::string(mailbox_id)});
    }
    done(std::move(outcome));
  }

  // Every later Notify returns `status` (OK restores delivery).
  void FailWith(absl::Status status) {
    absl::MutexLock lock(&mu_);
    fail_with_ = std::move(status);
  }

  std::vector<Sent> sent() const {
    absl::MutexLock lock(&mu_);
    return sent_;
  }
  void Clear() {
    absl::MutexLock lock(&mu_);
    sent_.clear();
  }

 private:
  const std::set<std::string> supported_;
  mutable absl::Mutex mu_;
  std::vector<Sent> sent_ ABSL_GUARDED_BY(mu_);
  absl::Status fail_with_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sct::relay

#endif  // SCT_RELAY_FAKE_PUSH_NOTIFIER_H_
