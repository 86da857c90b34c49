// How the relay tells the other party that a mailbox changed.
//
// The relay knows only the token's `type` (which OEM push service) and its
// opaque data; the push says "mailbox X changed" and nothing else. Thread-safe.
#ifndef SCT_RELAY_PUSH_NOTIFIER_H_
#define SCT_RELAY_PUSH_NOTIFIER_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "relay/mailbox.h"

namespace sct::relay {

class PushNotifier {
 public:
  virtual ~PushNotifier() = default;
  // True if a push route exists for tokens of `type`.
  virtual bool Supports(absl::string_view type) const = 0;
  // Delivers "mailbox `mailbox_id` changed" to the holder of `token`. Best
  // effort: errors are counted and logged (without token data) by the caller,
  // never fail the mailbox operation. Must not block for long.
  virtual absl::Status Notify(const NotificationToken& token,
                              absl::string_view mailbox_id) = 0;
};

}  // namespace sct::relay

#endif  // SCT_RELAY_PUSH_NOTIFIER_H_
