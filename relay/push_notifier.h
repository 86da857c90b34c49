// How the relay tells the other party that a mailbox changed.
//
// The relay knows only the token's `type` (which OEM push service) and its
// opaque data; the push says "mailbox X changed" and nothing else. Thread-safe.
//
// A push is a hint (docs/relay.md): it is delivered off the mailbox
// operation's path, so a slow or dead OEM never delays the party that changed
// the mailbox. Notify returns at once and reports the outcome to `done`.
#ifndef SCT_RELAY_PUSH_NOTIFIER_H_
#define SCT_RELAY_PUSH_NOTIFIER_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "relay/mailbox.h"

namespace sct::relay {

class PushNotifier {
 public:
  virtual ~PushNotifier() = default;
  // True if a push route exists for tokens of `type`.
  virtual bool Supports(absl::string_view type) const = 0;
  // The outcome of one Notify: OK once the OEM accepted the push.
  using Done = std::function<void(absl::Status)>;
  // Starts delivering "mailbox `mailbox_id` changed" to the holder of `token`
  // and returns without waiting for it. `done` is called exactly once with the
  // outcome, possibly on another thread and possibly before Notify returns.
  // Best effort: errors are counted and logged (without token data) by the
  // caller, never fail the mailbox operation.
  virtual void Notify(const NotificationToken& token, absl::string_view mailbox_id,
                      Done done) = 0;
};

}  // namespace sct::relay

#endif  // SCT_RELAY_PUSH_NOTIFIER_H_
