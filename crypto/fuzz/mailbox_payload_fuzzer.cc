// Fuzz target: the draft's mailbox payload decoding (crypto/mailbox_payload.h)
// as a receiving device runs it on `payload.type` and `payload.data` read
// from a relay it does not trust.
//
// Input: one selector byte, then the data. Selector bit 0 picks the cipher
// (AES-128-GCM / AES-256-GCM), bit 1 whether the data is the JSON field's
// base64 form or raw bytes. The key is the fixed test secret 00 01 .. 1f
// (its first 16 bytes for AES-128), so seeds sealed under it reach the
// plaintext. Also checks that sealing the data and opening the result gives
// the data back, and that an open never yields more than data - IV - tag.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "common/fuzz/fuzz_input.h"
#include "crypto/mailbox_payload.h"

namespace {

using sct::crypto::PayloadCipher;

std::string TestKey(PayloadCipher cipher) {
  std::string key;
  for (size_t i = 0; i < sct::crypto::PayloadKeySize(cipher); ++i) key.push_back(char(i));
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sct::fuzz::FuzzInput in(data, size);
  uint8_t selector = in.Byte();
  PayloadCipher cipher = (selector & 1) ? PayloadCipher::kAes256Gcm : PayloadCipher::kAes128Gcm;
  bool base64 = (selector & 2) != 0;
  std::string body = in.Rest();
  std::string key = TestKey(cipher);

  (void)sct::crypto::ParsePayloadType(body);
  if (base64) {
    (void)sct::crypto::OpenMailboxPayloadBase64(cipher, key, body);
  } else {
    absl::StatusOr<std::string> plain = sct::crypto::OpenMailboxPayload(cipher, key, body);
    if (plain.ok() && plain->size() + sct::crypto::kPayloadOverhead != body.size()) std::abort();
  }
  // A key of the wrong size must be refused, not used.
  if (sct::crypto::OpenMailboxPayload(cipher, key.substr(1), body).ok()) std::abort();

  absl::StatusOr<std::string> sealed = sct::crypto::SealMailboxPayloadBase64(cipher, key, body);
  if (!sealed.ok()) std::abort();
  absl::StatusOr<std::string> opened = sct::crypto::OpenMailboxPayloadBase64(cipher, key, *sealed);
  if (!opened.ok() || *opened != body) std::abort();
  return 0;
}
