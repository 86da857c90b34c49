#include "relay/request_validation.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/uuid.h"

namespace sct::relay {
namespace {

constexpr size_t kMaxTokenTypeBytes = 64;

absl::Status TooLarge(absl::string_view field, size_t size, size_t limit) {
  return MakeError(
      absl::StatusCode::kResourceExhausted, "payload_too_large",
      absl::StrCat(field, ": ", size, " bytes exceeds the relay's limit of ", limit, " bytes"));
}

// A UUID, lower-cased; `missing` is the problem an empty value has.
absl::StatusOr<std::string> LowerUuid(absl::string_view value, absl::string_view field) {
  if (value.empty()) return InvalidField(field, "missing");
  if (!IsValidUuid(value)) return InvalidField(field, "not a UUID");
  return absl::AsciiStrToLower(value);
}

bool IsTokenTypeChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
         c == '/';
}

}  // namespace

const FieldNames& FieldNamesOf(Face face) {
  return face == Face::kGrpc ? kGrpcFieldNames : kHttpFieldNames;
}

absl::StatusOr<std::string> CheckDeviceClaim(absl::string_view claim, const FieldNames& names) {
  if (claim.empty()) {
    return MakeError(absl::StatusCode::kUnauthenticated, kClaimMissing,
                     absl::StrCat(names.device_claim, ": missing device claim"));
  }
  return LowerUuid(claim, names.device_claim);
}

absl::StatusOr<std::string> CheckRequestId(absl::string_view request_id, const FieldNames& names) {
  return LowerUuid(request_id, names.request_id);
}

absl::StatusOr<std::string> CheckMailboxId(absl::string_view mailbox_id, const FieldNames& names) {
  return LowerUuid(mailbox_id, names.mailbox_id);
}

absl::Status CheckAttestation(absl::string_view attestation, const RelayLimits& limits,
                              const FieldNames& names) {
  if (attestation.size() > limits.max_attestation_bytes) {
    return InvalidField(names.attestation,
                        absl::StrCat("longer than ", limits.max_attestation_bytes, " bytes"));
  }
  return absl::OkStatus();
}

absl::Status CheckPayload(const Payload& payload, const RelayLimits& limits,
                          const FieldNames& names) {
  if (payload.type != kAeadAes128Gcm && payload.type != kAeadAes256Gcm) {
    return InvalidField(names.payload_type,
                        absl::StrCat("must be ", kAeadAes128Gcm, " or ", kAeadAes256Gcm));
  }
  if (payload.data.size() < kIvBytes + kTagBytes) {
    return InvalidField(names.payload_data, absl::StrCat("shorter than IV (", kIvBytes,
                                                         " bytes) + tag (", kTagBytes, " bytes)"));
  }
  if (payload.data.size() > limits.max_payload_bytes) {
    return TooLarge(names.payload_data, payload.data.size(), limits.max_payload_bytes);
  }
  return absl::OkStatus();
}

absl::Status CheckDisplay(const DisplayInformation& display, const RelayLimits& limits,
                          const FieldNames& names) {
  if (display.title.size() > limits.max_title_bytes) {
    return TooLarge(names.title, display.title.size(), limits.max_title_bytes);
  }
  if (display.description.size() > limits.max_description_bytes) {
    return TooLarge(names.description, display.description.size(), limits.max_description_bytes);
  }
  if (display.image_url.size() > limits.max_image_url_bytes) {
    return TooLarge(names.image_url, display.image_url.size(), limits.max_image_url_bytes);
  }
  if (!display.image_url.empty() && !absl::StartsWithIgnoreCase(display.image_url, "https://") &&
      !absl::StartsWithIgnoreCase(display.image_url, "http://")) {
    return InvalidField(names.image_url, "must be an http or https URL");
  }
  return absl::OkStatus();
}

absl::Status CheckNotificationToken(const NotificationToken& token, const RelayLimits& limits,
                                    const FieldNames& names) {
  if (token.type.empty()) return InvalidField(names.token_type, "missing");
  if (token.type.size() > kMaxTokenTypeBytes) {
    return InvalidField(names.token_type,
                        absl::StrCat("longer than ", kMaxTokenTypeBytes, " characters"));
  }
  if (!std::all_of(token.type.begin(), token.type.end(), IsTokenTypeChar)) {
    return InvalidField(names.token_type,
                        "only letters, digits, '.', '-', '_' and '/' are allowed");
  }
  if (token.token_data.empty()) return InvalidField(names.token_data, "missing");
  if (token.token_data.size() > limits.max_token_bytes) {
    return InvalidField(names.token_data,
                        absl::StrCat("longer than ", limits.max_token_bytes, " bytes"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> CanonicalAccessRights(const std::optional<std::string>& rights,
                                                  const FieldNames& names) {
  if (!rights.has_value()) return std::string(kDefaultAccessRights);
  if (rights->empty() || rights->size() > 3) {
    return InvalidField(names.access_rights, "must combine R, W and D, e.g. \"RD\"");
  }
  bool r = false, w = false, d = false;
  for (char c : *rights) {
    bool* seen = c == 'R' ? &r : c == 'W' ? &w : c == 'D' ? &d : nullptr;
    if (seen == nullptr) return InvalidField(names.access_rights, "only R, W and D are allowed");
    if (*seen) return InvalidField(names.access_rights, "a right appears twice");
    *seen = true;
  }
  return absl::StrCat(r ? "R" : "", w ? "W" : "", d ? "D" : "");
}

absl::StatusOr<absl::Time> CheckExpiration(const std::optional<absl::Time>& expiration,
                                           absl::Time now, const RelayLimits& limits,
                                           const FieldNames& names) {
  if (!expiration.has_value()) return now + std::min(limits.default_ttl, limits.max_ttl);
  if (*expiration <= now) return InvalidField(names.expiration, "must be in the future");
  if (*expiration > now + limits.max_ttl) {
    return InvalidField(names.expiration,
                        absl::StrCat("more than the relay's maximum lifetime (",
                                     absl::FormatDuration(limits.max_ttl), ") ahead"));
  }
  return *expiration;
}

}  // namespace sct::relay
