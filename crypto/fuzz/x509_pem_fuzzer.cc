// Fuzz target: X.509 and PEM loading (crypto/x509.h, crypto/pem.h) — the
// certificates and keys a service reads from files and flags, the
// attestation chains devices present, the certificates peers send.
//
// The whole input goes to every loader (DER, PEM, PEM bundle, private and
// public key PEM, the key/certificate match check). A certificate that
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
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<Certificate> der = Certificate::FromDer(text);
  if (der.ok()) Exercise(*der);
  absl::StatusOr<Certificate> pem = Certificate::FromPem(text);
  if (pem.ok()) Exercise(*pem);
  absl::StatusOr<std::vector<Certificate>> chain = Certificate::ChainFromPem(text, "fuzz_pem");
  if (chain.ok()) {
    if (chain->empty()) std::abort();
    for (const Certificate& c : *chain) Exercise(c);
    if (chain->size() > 1) {
      std::vector<Certificate> rest(chain->begin() + 1, chain->end());
      (void)sct::crypto::VerifyCertificateChain((*chain)[0], rest, {chain->back()},
                                                (*chain)[0].NotBefore());
    }
  }
  (void)sct::crypto::P256PrivateKeyFromPem(text, "fuzz_key");
  (void)sct::crypto::P256PrivateScalarFromPem(text, "fuzz_key");
  (void)sct::crypto::P256PublicKeyFromPem(text, "fuzz_key");
  (void)sct::crypto::CheckPemPrivateKey(text, "fuzz_key");
  (void)sct::crypto::CheckPemKeyMatchesCertificate(text, text, "fuzz_key");
  return 0;
}
