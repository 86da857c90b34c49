// Decoding checks shared by the HTTP and gRPC adapters.
//
// These are representation checks only (is it present, is it a UUID, is the
// payload type one the draft names, is the data long enough to hold IV and
// tag, is the access-rights string well formed); they name the field as the
// caller's transport spells it. Every rule about mailboxes lives in
// MailboxService. Pure functions, thread-safe.
//
// Errors: INVALID_ARGUMENT / invalid_field naming the field; a missing device
// claim is UNAUTHENTICATED / claim_missing (the draft answers 401 for a
// missing or wrong claim).
#ifndef SCT_RELAY_ADAPTER_CHECKS_H_
#define SCT_RELAY_ADAPTER_CHECKS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "relay/mailbox.h"

namespace sct::relay {

// Stable reason of a missing Mailbox-Device-Claim.
inline constexpr char kClaimMissing[] = "claim_missing";

absl::Status CheckDeviceClaim(absl::string_view claim, absl::string_view field);
absl::Status CheckRequestId(absl::string_view request_id, absl::string_view field);
// `prefix` is the payload's field name ("payload"); errors name
// "<prefix>.type" / "<prefix>.data".
absl::Status CheckPayload(const Payload& payload, absl::string_view prefix);
// A non-empty combination of R, W, D, each at most once, any order.
absl::Status CheckAccessRights(absl::string_view rights, absl::string_view field);
// A notification token needs a non-empty type.
absl::Status CheckNotificationToken(const NotificationToken& token, absl::string_view prefix);

// `t` rounded down to a whole second: expirations go on the wire as the
// draft writes them ("2025-01-01T00:00:00Z"); rounding down never promises
// a client more lifetime than the mailbox has.
absl::Time WholeSeconds(absl::Time t);

// The rate-limit key from a gRPC peer string: "ipv4:1.2.3.4:5" -> "1.2.3.4",
// "ipv6:[::1]:5" -> "::1"; anything else is returned unchanged.
std::string ClientAddressFromGrpcPeer(absl::string_view peer);

}  // namespace sct::relay

#endif  // SCT_RELAY_ADAPTER_CHECKS_H_
