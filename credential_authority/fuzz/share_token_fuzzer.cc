// Fuzz target: share-token verification (credential_authority/share_token.h)
// — the token a receiver's device presents for redemption, which passed
// through channels, a relay and the receiver's hands.
//
// Input: a selector byte, then the token. Selector bit 0 clear: the rest is
// a SignedShareToken as presented (exercises the envelope, key id and
// signature checks). Bit 0 set: the rest is a ShareTokenBody, signed here
// with the codec's test key under the token context, so the body checks run
// on fuzzed bodies. Invariant: a token the codec minted opens to its own
// body, and one with any flipped signature byte does not.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/fuzz/fuzz_input.h"
#include "credential_authority/share_token.h"
#include "credential_authority/signed_bytes.h"
#include "crypto/ecdsa.h"

namespace {

const sct::crypto::EcdsaP256PrivateKey& TestKey() {
  static const sct::crypto::EcdsaP256PrivateKey* const key = [] {
    auto k = sct::crypto::EcdsaP256PrivateKey::FromRawScalar(std::string(31, '\0') + "\x07");
    if (!k.ok()) std::abort();
    return new sct::crypto::EcdsaP256PrivateKey(*k);
  }();
  return *key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const sct::ca::ShareTokenCodec* const codec =
      new sct::ca::ShareTokenCodec(&TestKey(), "test-key-1", "authority-1");
  sct::fuzz::FuzzInput in(data, size);
  uint8_t selector = in.Byte();
  std::string rest = in.Rest();
  common::v1::SignedShareToken token;
  if ((selector & 1) == 0) {
    if (!token.ParseFromString(rest)) return 0;
  } else {
    token.set_body(rest);
    token.set_key_id("test-key-1");
    absl::StatusOr<std::string> sig =
        sct::ca::SignWithContext(TestKey(), sct::ca::kShareTokenContext, rest);
    if (!sig.ok()) std::abort();
    token.set_signature(*sig);
  }
  absl::StatusOr<common::v1::ShareTokenBody> body = codec->Open(token);
  if (body.ok()) {
    if (body->version() != 1 || body->issuer() != "authority-1") std::abort();
    common::v1::SignedShareToken tampered = token;
    std::string* sig = tampered.mutable_signature();
    if (!sig->empty()) {
      (*sig)[selector % sig->size()] ^= 0x20;
      if (codec->Open(tampered).ok()) std::abort();
    }
  }
  return 0;
}
