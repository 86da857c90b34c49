// Fuzz target: what Oblivious HTTP parses from outside (crypto/ohttp.h). The
// first byte selects: 0 a key configuration list (application/ohttp-keys),
// 1 one key configuration, 2 an encapsulated request opened by a gateway
// holding RFC 9458 appendix A's key, 3 an encapsulated response opened with
// the appendix's request context. Checks, besides "no crash", that a parsed
// configuration encodes back to its bytes, and that an opened request's
// sealed answer opens for the client that sent it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "crypto/ohttp.h"

namespace {

namespace ohttp = sct::crypto::ohttp;

std::string Bytes(std::initializer_list<uint8_t> b) { return std::string(b.begin(), b.end()); }

// RFC 9458 appendix A: the gateway's private key.
const std::string& SkR() {
  static const std::string k =
      Bytes({0x3c, 0x16, 0x89, 0x75, 0x67, 0x4b, 0x2f, 0xa8, 0xe4, 0x65, 0x97,
             0x0b, 0x79, 0xc8, 0xdc, 0xf0, 0x9f, 0x1c, 0x74, 0x16, 0x26, 0x48,
             0x0b, 0xd4, 0xc6, 0x16, 0x2f, 0xc5, 0xb6, 0xa9, 0x8e, 0x1a});
  return k;
}

const ohttp::Gateway& RfcGateway() {
  static const ohttp::Gateway* g = [] {
    std::vector<ohttp::GatewayKey> keys(1);
    keys[0].config.key_id = 1;
    keys[0].config.kem_id = 0x0020;
    keys[0].config.algorithms = {{1, 1}, {1, 3}};
    keys[0].private_key = SkR();
    keys[0].config.public_key =
        *sct::crypto::HpkePublicKeyFromPrivate(sct::crypto::HpkeKem::kDhkemX25519HkdfSha256, SkR());
    return new ohttp::Gateway(*ohttp::Gateway::Create(std::move(keys)));
  }();
  return *g;
}

void Config(absl::string_view in) {
  absl::StatusOr<ohttp::KeyConfig> c = ohttp::ParseKeyConfig(in);
  if (!c.ok()) return;
  absl::StatusOr<std::string> again = ohttp::EncodeKeyConfig(*c);
  if (!again.ok() || *again != in) std::abort();
}

void Request(absl::string_view in) {
  absl::StatusOr<ohttp::DecapsulatedRequest> opened = RfcGateway().DecapsulateRequest(in);
  if (!opened.ok()) return;
  if (!opened->context.EncapsulateResponse("answer").ok()) std::abort();
}

void Response(absl::string_view in) {
  static const std::string kRequest = Bytes({0x00, 0x03, 0x47, 0x45, 0x54});
  absl::StatusOr<ohttp::EncapsulatedRequest> sent = ohttp::EncapsulateRequestForTesting(
      RfcGateway().keys()[0].config, kRequest, std::string(32, '\x42'));
  if (!sent.ok()) std::abort();
  (void)sent->context.DecapsulateResponse(in);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  absl::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      (void)ohttp::ParseKeyConfigList(in);
      break;
    case 1:
      Config(in);
      break;
    case 2:
      Request(in);
      break;
    default:
      Response(in);
  }
  return 0;
}
