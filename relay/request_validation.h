// What a valid mailbox request is, and the error for each invalid one: the
// one place that decides it for both faces of the relay. MailboxService
// calls these checks; the HTTP and gRPC adapters only decode their wire
// format (JSON syntax and types, base64, RFC 3339, proto presence) into the
// service's request types.
//
// An error names the field as the caller's face spells it (FieldNames): the
// HTTP face uses the draft's header and camelCase JSON names, the gRPC face
// the proto's snake_case names. The words after the field are the same on
// both faces.
//
// Errors (absl code / stable reason from common/errors.h):
//   INVALID_ARGUMENT   invalid_field      "<field>: <problem>"
//   UNAUTHENTICATED    claim_missing      no device claim (the draft answers 401)
//   RESOURCE_EXHAUSTED payload_too_large  payload.data or display text over its
//                                         limit (HTTP 413)
// Pure functions; thread-safe.
#ifndef SCT_RELAY_REQUEST_VALIDATION_H_
#define SCT_RELAY_REQUEST_VALIDATION_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "relay/mailbox.h"
#include "relay/relay_limits.h"

namespace sct::relay {

// The face a request came through.
enum class Face { kHttp, kGrpc };

// How one face names the fields of a request, as error messages print them.
struct FieldNames {
  const char* device_claim;
  const char* request_id;
  const char* attestation;
  // The {id} of /v1/m/{id}: "mailboxId" on both faces (the name docs/relay.md
  // and the clients of both faces know).
  const char* mailbox_id;
  const char* payload_type;
  const char* payload_data;
  const char* title;
  const char* description;
  const char* image_url;
  const char* token_type;
  const char* token_data;
  const char* access_rights;
  const char* expiration;
};

inline constexpr FieldNames kHttpFieldNames = {
    "Mailbox-Device-Claim",
    "Mailbox-Request-ID",
    "Mailbox-Device-Attestation",
    "mailboxId",
    "payload.type",
    "payload.data",
    "displayInformation.title",
    "displayInformation.description",
    "displayInformation.imageURL",
    "notificationToken.type",
    "notificationToken.tokenData",
    "mailboxConfiguration.accessRights",
    "mailboxConfiguration.expiration",
};

inline constexpr FieldNames kGrpcFieldNames = {
    "device_claim",
    "request_id",
    "attestation",
    "mailboxId",
    "payload.type",
    "payload.data",
    "display_information.title",
    "display_information.description",
    "display_information.image_url",
    "notification_token.type",
    "notification_token.token_data",
    "mailbox_configuration.access_rights",
    "mailbox_configuration.expiration",
};

const FieldNames& FieldNamesOf(Face face);

// Stable reason of a missing device claim.
inline constexpr char kClaimMissing[] = "claim_missing";
// Access rights of a mailbox whose creator names none.
inline constexpr char kDefaultAccessRights[] = "RD";

// A device claim (a UUID), lower-cased. UNAUTHENTICATED claim_missing when
// empty, invalid_field when not a UUID.
absl::StatusOr<std::string> CheckDeviceClaim(absl::string_view claim, const FieldNames& names);

// A request id (a UUID), lower-cased.
absl::StatusOr<std::string> CheckRequestId(absl::string_view request_id, const FieldNames& names);

// A mailbox id (a UUID), lower-cased.
absl::StatusOr<std::string> CheckMailboxId(absl::string_view mailbox_id, const FieldNames& names);

// The opaque attestation: at most limits.max_attestation_bytes.
absl::Status CheckAttestation(absl::string_view attestation, const RelayLimits& limits,
                              const FieldNames& names);

// A payload type the draft names, and data that holds at least IV and tag
// and at most limits.max_payload_bytes (payload_too_large).
absl::Status CheckPayload(const Payload& payload, const RelayLimits& limits,
                          const FieldNames& names);

// Display texts within their limits (payload_too_large); an image URL, when
// given, is http or https.
absl::Status CheckDisplay(const DisplayInformation& display, const RelayLimits& limits,
                          const FieldNames& names);

// A token type of at most 64 characters of [A-Za-z0-9._/-] (it names the
// push route and appears in logs) and non-empty token data within
// limits.max_token_bytes.
absl::Status CheckNotificationToken(const NotificationToken& token, const RelayLimits& limits,
                                    const FieldNames& names);

// The access rights to store: kDefaultAccessRights when none were given;
// otherwise a non-empty combination of R, W and D, each at most once, in any
// order, returned in the canonical order "RWD".
absl::StatusOr<std::string> CanonicalAccessRights(const std::optional<std::string>& rights,
                                                  const FieldNames& names);

// When a mailbox created at `now` expires: `expiration` if given (after
// `now`, at most limits.max_ttl ahead), else now + min(default_ttl, max_ttl).
absl::StatusOr<absl::Time> CheckExpiration(const std::optional<absl::Time>& expiration,
                                           absl::Time now, const RelayLimits& limits,
                                           const FieldNames& names);

}  // namespace sct::relay

#endif  // SCT_RELAY_REQUEST_VALIDATION_H_
