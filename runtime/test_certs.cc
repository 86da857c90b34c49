#include "runtime/test_certs.h"

#include <fstream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "openssl/bio.h"
#include "openssl/bn.h"
#include "openssl/err.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "openssl/rand.h"
#include "openssl/x509.h"
#include "openssl/x509v3.h"

namespace sct {
namespace {

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using BnPtr = std::unique_ptr<BIGNUM, decltype(&BN_free)>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, decltype(&X509_EXTENSION_free)>;

absl::Status SslError(absl::string_view what) {
  std::string out;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    absl::StrAppend(&out, out.empty() ? "" : "; ", buf);
  }
  return absl::InternalError(absl::StrCat(what, " failed: ", out));
}

absl::StatusOr<std::string> ToPem(X509* cert, EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio) return SslError("BIO_new");
  if (cert != nullptr && PEM_write_bio_X509(bio.get(), cert) != 1) {
    return SslError("PEM_write_bio_X509");
  }
  if (key != nullptr &&
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr,
                               nullptr) != 1) {
    return SslError("PEM_write_bio_PrivateKey");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

absl::Status AddExtension(X509* cert, X509* issuer, int nid,
                          const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()),
             &X509_EXTENSION_free);
  if (!ext) return SslError(absl::StrCat("X509V3_EXT_conf_nid(", value, ")"));
  if (X509_add_ext(cert, ext.get(), -1) != 1) return SslError("X509_add_ext");
  return absl::OkStatus();
}

// A certificate for a fresh P-256 key; self-signed when issuer is null.
absl::StatusOr<TestCert> Make(
    absl::string_view cn, X509* issuer, EVP_PKEY* issuer_key,
    const std::vector<std::pair<int, std::string>>& exts) {
  PkeyPtr key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  if (!key) return SslError("EVP_EC_gen");
  X509Ptr cert(X509_new(), &X509_free);
  if (!cert) return SslError("X509_new");
  if (X509_set_version(cert.get(), 2) != 1) return SslError("X509_set_version");

  unsigned char serial_bytes[16];
  if (RAND_bytes(serial_bytes, sizeof(serial_bytes)) != 1)
    return SslError("RAND_bytes");
  serial_bytes[0] &= 0x7f;  // positive
  BnPtr serial(BN_bin2bn(serial_bytes, sizeof(serial_bytes), nullptr),
               &BN_free);
  if (!serial ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))) {
    return SslError("serial number");
  }
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600)) {
    return SslError("X509_gmtime_adj");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  std::string cn_str(cn);
  if (X509_NAME_add_entry_by_txt(
          name, "CN", MBSTRING_ASC,
          reinterpret_cast<const unsigned char*>(cn_str.c_str()), -1, -1,
          0) != 1) {
    return SslError("X509_NAME_add_entry_by_txt");
  }
  X509* signer = issuer != nullptr ? issuer : cert.get();
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) != 1) {
    return SslError("X509_set_issuer_name");
  }
  if (X509_set_pubkey(cert.get(), key.get()) != 1)
    return SslError("X509_set_pubkey");
  for (const auto& [nid, value] : exts) {
    absl::Status s = AddExtension(cert.get(), signer, nid, value);
    if (!s.ok()) return s;
  }
  EVP_PKEY* sign_key = issuer_key != nullptr ? issuer_key : key.get();
  if (X509_sign(cert.get(), sign_key, EVP_sha256()) == 0)
    return SslError("X509_sign");

  TestCert out;
  absl::StatusOr<std::string> cert_pem = ToPem(cert.get(), nullptr);
  if (!cert_pem.ok()) return cert_pem.status();
  absl::StatusOr<std::string> key_pem = ToPem(nullptr, key.get());
  if (!key_pem.ok()) return key_pem.status();
  out.cert_pem = *cert_pem;
  out.key_pem = *key_pem;
  return out;
}

}  // namespace

absl::StatusOr<TestCert> MakeTestCa(absl::string_view common_name) {
  return Make(common_name, nullptr, nullptr,
              {{NID_basic_constraints, "critical,CA:TRUE"},
               {NID_key_usage, "critical,keyCertSign,cRLSign"},
               {NID_subject_key_identifier, "hash"}});
}

absl::StatusOr<TestCert> IssueTestCert(
    const TestCert& ca, absl::string_view common_name,
    const std::vector<std::string>& dns_names,
    const std::vector<std::string>& ip_addresses) {
  BioPtr cert_bio(
      BIO_new_mem_buf(ca.cert_pem.data(), static_cast<int>(ca.cert_pem.size())),
      &BIO_free);
  BioPtr key_bio(
      BIO_new_mem_buf(ca.key_pem.data(), static_cast<int>(ca.key_pem.size())),
      &BIO_free);
  if (!cert_bio || !key_bio) return SslError("BIO_new_mem_buf");
  X509Ptr ca_cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr),
                  &X509_free);
  PkeyPtr ca_key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr),
      &EVP_PKEY_free);
  if (!ca_cert || !ca_key) return SslError("reading the CA");
  std::vector<std::string> sans;
  for (const std::string& d : dns_names) sans.push_back("DNS:" + d);
  for (const std::string& ip : ip_addresses) sans.push_back("IP:" + ip);
  std::vector<std::pair<int, std::string>> exts = {
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, "critical,digitalSignature"},
      {NID_ext_key_usage, "serverAuth,clientAuth"},
      {NID_authority_key_identifier, "keyid"},
  };
  if (!sans.empty())
    exts.push_back({NID_subject_alt_name, absl::StrJoin(sans, ",")});
  return Make(common_name, ca_cert.get(), ca_key.get(), exts);
}

absl::Status WriteTestFile(const std::string& path,
                           absl::string_view contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace sct
