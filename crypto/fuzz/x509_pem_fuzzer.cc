// Fuzz target: X.509 and PEM loading (crypto/x509.h, crypto/pem.h) — the
// certificates and keys a service reads from files and flags, the
// attestation chains devices present, the certificates peers send.
//
// The first byte picks the loader (OpenSSL 3's PEM decoders cost about a
// millisecond each, so one loader per input keeps the rate up): 0 DER
// certificate, 1 PEM certificate and bundle, 2 the private key loaders, 3
// the public key loader and the key/certificate match check; the rest is
// the text. A certificate that
// parses has every accessor called, is re-encoded and re-parsed to the same
// DER, and is verified as its own trust anchor at its notBefore.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/pem.h"
#include "crypto/x509.h"

namespace {

using sct::crypto::Certificate;

void Exercise(const Certificate& cert) {
  (void)cert.SubjectCommonName();
  (void)cert.IssuerCommonName();
  (void)cert.SerialHex();
  (void)cert.IsCa();
  (void)cert.PublicKeyPoint();
  (void)cert.PublicKey();
  (void)cert.PublicKeySpkiDer();
  (void)cert.ExtensionValue("2.5.29.19");
  (void)cert.ExtensionIsCritical("2.5.29.15");
  absl::StatusOr<std::string> der = cert.ToDer();
  if (der.ok()) {
    absl::StatusOr<Certificate> again = Certificate::FromDer(*der);
    if (!again.ok()) std::abort();
    absl::StatusOr<std::string> der2 = again->ToDer();
    if (!der2.ok() || *der2 != *der) std::abort();
  }
  (void)cert.ToPem();
  (void)sct::crypto::VerifyCertificateChain(cert, {}, {cert}, cert.NotBefore());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uint8_t loader = data[0] % 4;
  absl::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (loader == 0) {
    absl::StatusOr<Certificate> der = Certificate::FromDer(text);
    if (der.ok()) Exercise(*der);
  } else if (loader == 1) {
    absl::StatusOr<Certificate> pem = Certificate::FromPem(text);
    if (pem.ok()) Exercise(*pem);
    absl::StatusOr<std::vector<Certificate>> chain = Certificate::ChainFromPem(text, "fuzz_pem");
    if (chain.ok()) {
      if (chain->empty()) std::abort();
      for (const Certificate& c : *chain) Exercise(c);
      std::vector<Certificate> rest(chain->begin() + 1, chain->end());
      (void)sct::crypto::VerifyCertificateChain((*chain)[0], rest, {chain->back()},
                                                (*chain)[0].NotBefore());
    }
  } else if (loader == 2) {
    (void)sct::crypto::P256PrivateKeyFromPem(text, "fuzz_key");
    (void)sct::crypto::P256PrivateScalarFromPem(text, "fuzz_key");
    (void)sct::crypto::CheckPemPrivateKey(text, "fuzz_key");
  } else {
    (void)sct::crypto::P256PublicKeyFromPem(text, "fuzz_key");
    (void)sct::crypto::CheckPemKeyMatchesCertificate(text, text, "fuzz_key");
  }
  return 0;
}
