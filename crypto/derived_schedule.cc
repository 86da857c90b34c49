#include "crypto/derived_schedule.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "crypto/digest.h"
#include "crypto/hkdf.h"

namespace sct::crypto {
namespace {

absl::StatusOr<std::string> Derive(absl::string_view secret, absl::string_view label,
                                   absl::string_view transcript, size_t length) {
  if (secret.size() != kDerivedSecretSize) {
    return InvalidField("secret",
                        absl::StrCat("must be ", kDerivedSecretSize, " bytes (256 bits)"));
  }
  return HkdfSha256ExpandLabel(secret, label, Sha256(transcript), length);
}

}  // namespace

absl::StatusOr<std::string> DerivedLocation(absl::string_view secret,
                                            absl::string_view transcript) {
  return Derive(secret, "Location", transcript, kDerivedLocationSize);
}

absl::StatusOr<std::string> DerivedMessageKey(absl::string_view secret,
                                              absl::string_view transcript) {
  return Derive(secret, "Key", transcript, kDerivedKeySize);
}

}  // namespace sct::crypto
