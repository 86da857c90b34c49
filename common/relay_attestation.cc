#include "common/relay_attestation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace sct {

std::string RelayAttestationTranscript(absl::string_view claim) {
  return absl::StrCat("sct-relay-attestation-v1", absl::string_view("\0", 1),
                      absl::AsciiStrToLower(claim));
}

}  // namespace sct
