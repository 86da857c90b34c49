#include "device/transcripts.h"

#include "absl/strings/str_cat.h"

namespace sct::device {
namespace {

// One zero byte, the separator of every transcript.
constexpr absl::string_view kNul("\0", 1);

}  // namespace

std::string EnrolTranscript(absl::string_view oem_id, absl::string_view nonce,
                            absl::string_view spki) {
  return absl::StrCat("sct-enrol-v1", kNul, oem_id, kNul, nonce, spki);
}

std::string AttestKeyTranscript(absl::string_view nonce, absl::string_view spki) {
  return absl::StrCat("sct-attest-key-v1", kNul, nonce, spki);
}

std::string ShareIntentTranscript(absl::string_view intent) {
  return absl::StrCat("sct-share-intent-v1", kNul, intent);
}

std::string EndorseTranscript(absl::string_view share_id, absl::string_view spki) {
  return absl::StrCat("sct-endorse-v1", kNul, share_id, kNul, spki);
}

std::string HolderTranscript(absl::string_view method, absl::string_view subject,
                             int64_t unix_seconds) {
  return absl::StrCat("sct-holder-v1", kNul, method, kNul, subject, kNul, unix_seconds);
}

std::string AccessPointTranscript(absl::string_view access_point_id, absl::string_view nonce,
                                  absl::string_view action) {
  return absl::StrCat("sct-ap-auth-v1", kNul, access_point_id, kNul, nonce, kNul, action);
}

}  // namespace sct::device
