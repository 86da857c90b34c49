#include "crypto/x509.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "crypto/openssl_util.h"
#include "crypto/p256.h"
#include "crypto/random.h"

namespace sct::crypto {
namespace {

using Asn1ObjectPtr = OpenSslPtr<ASN1_OBJECT, ASN1_OBJECT_free>;
using GeneralNamePtr = OpenSslPtr<GENERAL_NAME, GENERAL_NAME_free>;
using GeneralNamesPtr = OpenSslPtr<GENERAL_NAMES, GENERAL_NAMES_free>;
using ExtendedKeyUsagePtr = OpenSslPtr<EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free>;

constexpr size_t kSerialBytes = 16;

// Parses a dotted OID; numeric form only, so names like "CN" are refused.
absl::StatusOr<Asn1ObjectPtr> ParseOid(absl::string_view oid,
                                       absl::string_view field) {
  std::string text(oid);
  if (text.empty() ||
      text.find_first_not_of("0123456789.") != std::string::npos) {
    return InvalidField(field, absl::StrCat("not a dotted OID: '", oid, "'"));
  }
  Asn1ObjectPtr obj(OBJ_txt2obj(text.c_str(), 1));
  if (obj == nullptr) {
    ERR_clear_error();
    return InvalidField(field, absl::StrCat("not a valid OID: '", oid, "'"));
  }
  return obj;
}

std::string OidText(const ASN1_OBJECT* obj) {
  char buf[128];
  int n = OBJ_obj2txt(buf, sizeof(buf), obj, /*no_name=*/1);
  if (n <= 0) return "";
  if (static_cast<size_t>(n) >= sizeof(buf)) n = sizeof(buf) - 1;
  return std::string(buf, n);
}

absl::Status CheckP256Key(EVP_PKEY* key, absl::string_view field) {
  if (key == nullptr) return InvalidField(field, "missing key");
  if (!EVP_PKEY_is_a(key, "EC")) {
    return InvalidField(field, "not an EC key (P-256 required)");
  }
  char group[64] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_group_name(key, group, sizeof(group), &len) != 1) {
    ERR_clear_error();
    return InvalidField(field, "EC key without a named curve (P-256 required)");
  }
  if (absl::string_view(group, len) != "prime256v1") {
    return InvalidField(field, absl::StrCat("curve ", group, " is not P-256"));
  }
  return absl::OkStatus();
}

absl::Time FromAsn1Time(const ASN1_TIME* t) {
  struct tm tm = {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    ERR_clear_error();
    return absl::InfinitePast();
  }
  return absl::FromCivil(
      absl::CivilSecond(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                        tm.tm_hour, tm.tm_min, tm.tm_sec),
      absl::UTCTimeZone());
}

std::string CommonName(const X509_NAME* name) {
  if (name == nullptr) return "";
  int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0) return "";
  const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, idx);
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(entry);
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) {
    ERR_clear_error();
    return "";
  }
  std::string out(reinterpret_cast<char*>(utf8), len);
  OPENSSL_free(utf8);
  return out;
}

std::string KeyUsageConf(uint32_t bits) {
  static constexpr std::pair<uint32_t, const char*> kNames[] = {
      {kKeyUsageDigitalSignature, "digitalSignature"},
      {kKeyUsageNonRepudiation, "nonRepudiation"},
      {kKeyUsageKeyEncipherment, "keyEncipherment"},
      {kKeyUsageDataEncipherment, "dataEncipherment"},
      {kKeyUsageKeyAgreement, "keyAgreement"},
      {kKeyUsageKeyCertSign, "keyCertSign"},
      {kKeyUsageCrlSign, "cRLSign"},
  };
  std::vector<std::string> parts = {"critical"};
  for (const auto& [bit, name] : kNames) {
    if (bits & bit) parts.push_back(name);
  }
  return absl::StrJoin(parts, ",");
}

absl::Status AddConfExtension(X509* cert, X509V3_CTX* ctx, int nid,
                              const std::string& value) {
  X509ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str()));
  if (ext == nullptr) {
    return OpenSslError(
        absl::StrCat("X509V3_EXT_nconf_nid(", OBJ_nid2sn(nid), ")"));
  }
  if (X509_add_ext(cert, ext.get(), -1) != 1)
    return OpenSslError("X509_add_ext");
  return absl::OkStatus();
}

bool IsDnsName(absl::string_view name) {
  absl::ConsumePrefix(&name, "*.");  // one leading wildcard label
  if (name.empty() || name.size() > 253) return false;
  for (absl::string_view label : absl::StrSplit(name, '.')) {
    if (label.empty() || label.size() > 63) return false;
    for (char c : label) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') {
        return false;
      }
    }
  }
  return true;
}

// An iPAddress GeneralName value (4 or 16 bytes) from dotted IPv4 or IPv6
// text; null when `text` is neither.
Asn1OctetStringPtr IpAddressOctets(const std::string& text) {
  Asn1OctetStringPtr out(a2i_IPADDRESS(text.c_str()));
  if (out == nullptr) ERR_clear_error();
  return out;
}

absl::Status ValidateNamesAndUsages(const CertificateSpec& spec) {
  for (size_t i = 0; i < spec.dns_names.size(); ++i) {
    if (!IsDnsName(spec.dns_names[i])) {
      return InvalidField(absl::StrCat("spec.dns_names[", i, "]"),
                          absl::StrCat("not a DNS name: '", spec.dns_names[i], "'"));
    }
  }
  for (size_t i = 0; i < spec.ip_addresses.size(); ++i) {
    if (IpAddressOctets(spec.ip_addresses[i]) == nullptr) {
      return InvalidField(absl::StrCat("spec.ip_addresses[", i, "]"),
                          absl::StrCat("not an IPv4 or IPv6 address: '",
                                       spec.ip_addresses[i], "'"));
    }
  }
  if (spec.key_usage & ~static_cast<uint32_t>(0x7f)) {
    return InvalidField("spec.key_usage", "unknown keyUsage bits");
  }
  if (spec.extended_key_usage &
      ~static_cast<uint32_t>(kExtKeyUsageServerAuth | kExtKeyUsageClientAuth)) {
    return InvalidField("spec.extended_key_usage", "unknown extendedKeyUsage bits");
  }
  return absl::OkStatus();
}

// The extensions this file sets from the spec's own fields.
bool IsSetFromSpecFields(int nid) {
  return nid == NID_basic_constraints || nid == NID_key_usage ||
         nid == NID_subject_key_identifier || nid == NID_authority_key_identifier ||
         nid == NID_subject_alt_name || nid == NID_ext_key_usage;
}

absl::Status ValidateSpec(const CertificateSpec& spec) {
  if (spec.subject_cn.empty()) {
    return InvalidField("spec.subject_cn", "must not be empty");
  }
  if (spec.not_before == absl::InfinitePast() ||
      spec.not_before == absl::InfiniteFuture()) {
    return InvalidField("spec.not_before", "must be a finite time");
  }
  if (spec.not_after == absl::InfinitePast() ||
      spec.not_after == absl::InfiniteFuture()) {
    return InvalidField("spec.not_after", "must be a finite time");
  }
  if (spec.not_after <= spec.not_before) {
    return InvalidField("spec.not_after", "must be after spec.not_before");
  }
  if (spec.path_len.has_value() && (!spec.is_ca || *spec.path_len < 0)) {
    return InvalidField("spec.path_len",
                        "only for a CA certificate, and not negative");
  }
  RETURN_IF_ERROR(ValidateNamesAndUsages(spec));
  std::set<std::string> seen;
  for (size_t i = 0; i < spec.extensions.size(); ++i) {
    const std::string field = absl::StrCat("spec.extensions[", i, "].oid");
    ASSIGN_OR_RETURN(auto obj, ParseOid(spec.extensions[i].oid, field));
    if (IsSetFromSpecFields(OBJ_obj2nid(obj.get()))) {
      return InvalidField(field, "set by the issuer; use the spec fields");
    }
    if (!seen.insert(OidText(obj.get())).second) {
      return InvalidField(field, "duplicate extension");
    }
  }
  return absl::OkStatus();
}

absl::Status SetSerial(X509* cert) {
  ASSIGN_OR_RETURN(std::string bytes, RandomBytes(kSerialBytes));
  // Positive (RFC 5280 4.1.2.2) and exactly 16 bytes long.
  bytes[0] = static_cast<char>(static_cast<unsigned char>(bytes[0]) & 0x7f);
  if (bytes[0] == 0) bytes[0] = 0x01;
  BignumPtr bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                         bytes.size(), nullptr));
  if (bn == nullptr) return OpenSslError("BN_bin2bn");
  ASN1_INTEGER* serial = X509_get_serialNumber(cert);
  if (BN_to_ASN1_INTEGER(bn.get(), serial) == nullptr) {
    return OpenSslError("BN_to_ASN1_INTEGER");
  }
  return absl::OkStatus();
}

// Version, serial, subject and issuer names, validity and the subject key.
// `issuer` is null for a self-signed certificate.
absl::Status SetBody(X509* raw, const CertificateSpec& spec, EVP_PKEY* subject_key,
                     const Certificate* issuer) {
  if (X509_set_version(raw, X509_VERSION_3) != 1) {
    return OpenSslError("X509_set_version");
  }
  RETURN_IF_ERROR(SetSerial(raw));
  X509_NAME* subject = X509_get_subject_name(raw);
  const std::string& cn = spec.subject_cn;
  if (X509_NAME_add_entry_by_txt(
          subject, "CN", MBSTRING_UTF8,
          reinterpret_cast<const unsigned char*>(cn.data()),
          static_cast<int>(cn.size()), -1, 0) != 1) {
    ERR_clear_error();
    return InvalidField("spec.subject_cn", "not a valid commonName");
  }
  X509_NAME* issuer_name =
      issuer != nullptr ? X509_get_subject_name(issuer->x509()) : subject;
  if (X509_set_issuer_name(raw, issuer_name) != 1) {
    return OpenSslError("X509_set_issuer_name");
  }
  if (ASN1_TIME_set(X509_getm_notBefore(raw), absl::ToTimeT(spec.not_before)) ==
          nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(raw), absl::ToTimeT(spec.not_after)) ==
          nullptr) {
    return OpenSslError("ASN1_TIME_set");
  }
  if (X509_set_pubkey(raw, subject_key) != 1)
    return OpenSslError("X509_set_pubkey");
  return absl::OkStatus();
}

// subjectAltName (non-critical) from spec.dns_names and spec.ip_addresses;
// nothing when both are empty.
absl::Status AddSubjectAltName(X509* raw, const CertificateSpec& spec) {
  if (spec.dns_names.empty() && spec.ip_addresses.empty()) return absl::OkStatus();
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (names == nullptr) return OpenSslError("sk_GENERAL_NAME_new_null");
  auto push = [&names](int type, ASN1_STRING* value) -> absl::Status {
    GeneralNamePtr name(GENERAL_NAME_new());
    if (name == nullptr) {
      ASN1_STRING_free(value);
      return OpenSslError("GENERAL_NAME_new");
    }
    GENERAL_NAME_set0_value(name.get(), type, value);
    if (sk_GENERAL_NAME_push(names.get(), name.get()) <= 0) {
      return OpenSslError("sk_GENERAL_NAME_push");
    }
    name.release();  // now owned by `names`
    return absl::OkStatus();
  };
  for (const std::string& dns : spec.dns_names) {
    ASN1_IA5STRING* value = ASN1_IA5STRING_new();
    if (value == nullptr ||
        ASN1_STRING_set(value, dns.data(), static_cast<int>(dns.size())) != 1) {
      ASN1_IA5STRING_free(value);
      return OpenSslError("ASN1_STRING_set(dNSName)");
    }
    RETURN_IF_ERROR(push(GEN_DNS, value));
  }
  for (const std::string& ip : spec.ip_addresses) {
    Asn1OctetStringPtr value = IpAddressOctets(ip);
    if (value == nullptr) return InvalidField("spec.ip_addresses", "not an IP address");
    RETURN_IF_ERROR(push(GEN_IPADD, value.release()));
  }
  if (X509_add1_ext_i2d(raw, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return OpenSslError("X509_add1_ext_i2d(subjectAltName)");
  }
  return absl::OkStatus();
}

// extendedKeyUsage (non-critical) from spec.extended_key_usage; nothing for 0.
absl::Status AddExtendedKeyUsage(X509* raw, const CertificateSpec& spec) {
  if (spec.extended_key_usage == 0) return absl::OkStatus();
  static constexpr std::pair<uint32_t, int> kPurposes[] = {
      {kExtKeyUsageServerAuth, NID_server_auth},
      {kExtKeyUsageClientAuth, NID_client_auth},
  };
  ExtendedKeyUsagePtr usages(sk_ASN1_OBJECT_new_null());
  if (usages == nullptr) return OpenSslError("sk_ASN1_OBJECT_new_null");
  for (const auto& [bit, nid] : kPurposes) {
    if ((spec.extended_key_usage & bit) == 0) continue;
    // OBJ_nid2obj returns a static object; freeing the stack leaves it be.
    if (sk_ASN1_OBJECT_push(usages.get(), OBJ_nid2obj(nid)) <= 0) {
      return OpenSslError("sk_ASN1_OBJECT_push");
    }
  }
  if (X509_add1_ext_i2d(raw, NID_ext_key_usage, usages.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return OpenSslError("X509_add1_ext_i2d(extendedKeyUsage)");
  }
  return absl::OkStatus();
}

// basicConstraints, keyUsage, the key identifiers, subjectAltName and
// extendedKeyUsage. `issuer_x509` is `raw` itself for a self-signed
// certificate.
absl::Status AddStandardExtensions(X509* raw, const CertificateSpec& spec,
                                   X509* issuer_x509) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer_x509, raw, nullptr, nullptr, 0);
  std::string bc = spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE";
  if (spec.path_len.has_value())
    absl::StrAppend(&bc, ",pathlen:", *spec.path_len);
  RETURN_IF_ERROR(AddConfExtension(raw, &ctx, NID_basic_constraints, bc));
  uint32_t ku = spec.key_usage;
  if (ku == 0) {
    ku = spec.is_ca ? (kKeyUsageKeyCertSign | kKeyUsageCrlSign)
                    : kKeyUsageDigitalSignature;
  }
  RETURN_IF_ERROR(AddConfExtension(raw, &ctx, NID_key_usage, KeyUsageConf(ku)));
  RETURN_IF_ERROR(
      AddConfExtension(raw, &ctx, NID_subject_key_identifier, "hash"));
  RETURN_IF_ERROR(AddConfExtension(raw, &ctx, NID_authority_key_identifier,
                                   "keyid:always"));
  RETURN_IF_ERROR(AddSubjectAltName(raw, spec));
  return AddExtendedKeyUsage(raw, spec);
}

// spec.extensions, in order, with their bytes placed verbatim in extnValue.
absl::Status AddCustomExtensions(X509* raw, const CertificateSpec& spec) {
  for (size_t i = 0; i < spec.extensions.size(); ++i) {
    const X509ExtensionSpec& e = spec.extensions[i];
    ASSIGN_OR_RETURN(auto obj, ParseOid(e.oid, absl::StrCat("spec.extensions[",
                                                            i, "].oid")));
    Asn1OctetStringPtr value(ASN1_OCTET_STRING_new());
    if (value == nullptr ||
        ASN1_OCTET_STRING_set(
            value.get(), reinterpret_cast<const unsigned char*>(e.value.data()),
            static_cast<int>(e.value.size())) != 1) {
      return OpenSslError("ASN1_OCTET_STRING_set");
    }
    X509ExtensionPtr ext(X509_EXTENSION_create_by_OBJ(
        nullptr, obj.get(), e.critical ? 1 : 0, value.get()));
    if (ext == nullptr) return OpenSslError("X509_EXTENSION_create_by_OBJ");
    if (X509_add_ext(raw, ext.get(), -1) != 1)
      return OpenSslError("X509_add_ext");
  }
  return absl::OkStatus();
}

// OpenSSL computes a certificate's extension cache (key identifiers, basic
// constraints, key usage) on first use, and two threads that first use the
// same X509 at once both write it (one re-decodes the subject key identifier
// while the other compares it: a data race inside OpenSSL, under parallel
// redemptions that verify against one cached OEM root, as TSan shows in
// ca_service_test). Every Certificate is finished with this before it is
// returned, so that it is read-only once it can be shared. Invalid
// extensions are not an error here: verification reports them.
void FillExtensionCache(X509* x509) {
  X509_check_purpose(x509, -1, 0);
  ERR_clear_error();
}

// Builds and signs. `issuer` is null for a self-signed certificate.
absl::StatusOr<Certificate> BuildCertificate(const CertificateSpec& spec,
                                             EVP_PKEY* subject_key,
                                             const Certificate* issuer,
                                             EVP_PKEY* signing_key) {
  RETURN_IF_ERROR(ValidateSpec(spec));
  RETURN_IF_ERROR(CheckP256Key(subject_key, "subject_public_key"));
  RETURN_IF_ERROR(CheckP256Key(signing_key, "issuer_private_key"));
  if (issuer != nullptr) {
    if (X509_check_private_key(issuer->x509(), signing_key) != 1) {
      ERR_clear_error();
      return InvalidField("issuer_private_key",
                          "does not match the issuer certificate's public key");
    }
  }
  X509* raw = X509_new();
  if (raw == nullptr) return OpenSslError("X509_new");
  Certificate cert(raw);
  RETURN_IF_ERROR(SetBody(raw, spec, subject_key, issuer));
  RETURN_IF_ERROR(
      AddStandardExtensions(raw, spec, issuer != nullptr ? issuer->x509() : raw));
  RETURN_IF_ERROR(AddCustomExtensions(raw, spec));
  if (X509_sign(raw, signing_key, EVP_sha256()) <= 0) {
    return OpenSslError("X509_sign");
  }
  FillExtensionCache(raw);
  return cert;
}

// Data the verify callback needs.
struct VerifyContext {
  const VerifyOptions* options;
};

bool IsHandledCriticalOid(const std::string& oid,
                          const VerifyOptions& options) {
  if (absl::StartsWith(oid, absl::StrCat(kSimulatorOidArc, "."))) return true;
  for (const std::string& handled : options.handled_critical_extensions) {
    if (oid == handled) return true;
  }
  return false;
}

// Accepts X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION when every critical
// extension OpenSSL does not know is one the caller handles; every other
// error stands.
int VerifyCallback(int ok, X509_STORE_CTX* ctx) {
  if (ok) return ok;
  if (X509_STORE_CTX_get_error(ctx) !=
      X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION) {
    return ok;
  }
  const auto* vctx =
      static_cast<const VerifyContext*>(X509_STORE_CTX_get_ex_data(ctx, 0));
  X509* cert = X509_STORE_CTX_get_current_cert(ctx);
  if (vctx == nullptr || cert == nullptr) return ok;
  for (int i = 0; i < X509_get_ext_count(cert); ++i) {
    X509_EXTENSION* ext = X509_get_ext(cert, i);
    if (!X509_EXTENSION_get_critical(ext) || X509_supported_extension(ext)) {
      continue;
    }
    if (!IsHandledCriticalOid(OidText(X509_EXTENSION_get_object(ext)),
                              *vctx->options)) {
      return 0;
    }
  }
  X509_STORE_CTX_set_error(ctx, X509_V_OK);
  return 1;
}

}  // namespace

Certificate::Certificate(X509* x509) : x509_(x509) {}

Certificate::Certificate(const Certificate& other) : x509_(other.x509_.get()) {
  X509_up_ref(x509_.get());
}

Certificate& Certificate::operator=(const Certificate& other) {
  if (this != &other) {
    X509_up_ref(other.x509_.get());
    x509_.reset(other.x509_.get());
  }
  return *this;
}

absl::StatusOr<Certificate> Certificate::FromDer(absl::string_view der) {
  if (der.empty()) return InvalidField("certificate_der", "empty");
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* end = p + der.size();
  X509* raw = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (raw == nullptr) {
    std::string detail = DrainOpenSslErrors();
    return InvalidField("certificate_der",
                        absl::StrCat("not a DER certificate (", detail, ")"));
  }
  Certificate cert(raw);
  if (p != end) {
    return InvalidField("certificate_der",
                        "trailing data after the certificate");
  }
  FillExtensionCache(raw);
  return cert;
}

absl::StatusOr<Certificate> Certificate::FromPem(absl::string_view pem) {
  ASSIGN_OR_RETURN(std::vector<Certificate> chain, ChainFromPem(pem));
  return std::move(chain.front());
}

absl::StatusOr<std::vector<Certificate>> Certificate::ChainFromPem(
    absl::string_view pem) {
  return ChainFromPem(pem, "certificate_pem");
}

absl::StatusOr<std::vector<Certificate>> Certificate::ChainFromPem(
    absl::string_view pem, absl::string_view field) {
  if (pem.empty()) return InvalidField(field, "empty");
  if (!absl::StrContains(pem, "-----BEGIN ")) {
    return InvalidField(field, "not PEM (no -----BEGIN line)");
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return OpenSslError("BIO_new_mem_buf");
  std::vector<Certificate> out;
  ERR_clear_error();
  while (true) {
    X509* raw = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (raw == nullptr) break;
    out.emplace_back(raw);
  }
  // The loop ends with "no start line" at the end of the input; any other
  // error is a broken block.
  unsigned long err = ERR_peek_last_error();  // NOLINT(runtime/int)
  bool clean_end = ERR_GET_LIB(err) == ERR_LIB_PEM &&
                   ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
  if (out.empty()) {
    ERR_clear_error();
    if (absl::StrContains(pem, "PRIVATE KEY-----")) {
      return InvalidField(field, "contains a private key, not a certificate");
    }
    return InvalidField(field, "no PEM CERTIFICATE block");
  }
  if (!clean_end) {
    std::string detail = DrainOpenSslErrors();
    return InvalidField(field, absl::StrCat("certificate ", out.size() + 1,
                                            " is malformed (OpenSSL: ", detail,
                                            ")"));
  }
  ERR_clear_error();
  for (const Certificate& c : out) FillExtensionCache(c.x509());
  return out;
}

absl::StatusOr<std::string> Certificate::ToDer() const {
  unsigned char* buf = nullptr;
  int len = i2d_X509(x509_.get(), &buf);
  if (len <= 0) return OpenSslError("i2d_X509");
  std::string out(reinterpret_cast<char*>(buf), len);
  OPENSSL_free(buf);
  return out;
}

absl::StatusOr<std::string> Certificate::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr) return OpenSslError("BIO_new");
  if (PEM_write_bio_X509(bio.get(), x509_.get()) != 1) {
    return OpenSslError("PEM_write_bio_X509");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, len);
}

std::string Certificate::SubjectCommonName() const {
  return CommonName(X509_get_subject_name(x509_.get()));
}

std::string Certificate::IssuerCommonName() const {
  return CommonName(X509_get_issuer_name(x509_.get()));
}

std::string Certificate::SerialHex() const {
  const ASN1_INTEGER* serial = X509_get0_serialNumber(x509_.get());
  BignumPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (bn == nullptr) {
    ERR_clear_error();
    return "";
  }
  std::string bytes(BN_num_bytes(bn.get()), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()));
  std::string hex = absl::BytesToHexString(bytes);
  return hex.empty() ? "00" : hex;
}

absl::Time Certificate::NotBefore() const {
  return FromAsn1Time(X509_get0_notBefore(x509_.get()));
}

absl::Time Certificate::NotAfter() const {
  return FromAsn1Time(X509_get0_notAfter(x509_.get()));
}

bool Certificate::IsCa() const { return X509_check_ca(x509_.get()) != 0; }

absl::StatusOr<EcdsaP256PublicKey> Certificate::PublicKey() const {
  EVP_PKEY* key = X509_get0_pubkey(x509_.get());
  if (key == nullptr) return OpenSslError("X509_get0_pubkey");
  RETURN_IF_ERROR(CheckP256Key(key, "certificate.public_key"));
  return EcdsaP256PublicKey::FromEvp(key);
}

absl::StatusOr<std::string> Certificate::PublicKeyPoint() const {
  // The point as parsed (d2i_X509 leaves no key when the point does not
  // decode onto the curve): no verification key is built for it.
  EVP_PKEY* key = X509_get0_pubkey(x509_.get());
  if (key == nullptr) return OpenSslError("X509_get0_pubkey");
  RETURN_IF_ERROR(CheckP256Key(key, "certificate.public_key"));
  return P256PublicPoint(key);
}

absl::StatusOr<std::string> Certificate::PublicKeySpkiDer() const {
  X509_PUBKEY* pub = X509_get_X509_PUBKEY(x509_.get());
  unsigned char* buf = nullptr;
  int len = i2d_X509_PUBKEY(pub, &buf);
  if (len <= 0) return OpenSslError("i2d_X509_PUBKEY");
  std::string out(reinterpret_cast<char*>(buf), len);
  OPENSSL_free(buf);
  return out;
}

absl::StatusOr<std::string> Certificate::ExtensionValue(
    absl::string_view oid) const {
  ASSIGN_OR_RETURN(auto obj, ParseOid(oid, "oid"));
  int idx = X509_get_ext_by_OBJ(x509_.get(), obj.get(), -1);
  if (idx < 0) {
    return absl::NotFoundError(
        absl::StrCat("certificate has no extension ", oid));
  }
  const ASN1_OCTET_STRING* data =
      X509_EXTENSION_get_data(X509_get_ext(x509_.get(), idx));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     ASN1_STRING_length(data));
}

bool Certificate::ExtensionIsCritical(absl::string_view oid) const {
  auto obj = ParseOid(oid, "oid");
  if (!obj.ok()) return false;
  int idx = X509_get_ext_by_OBJ(x509_.get(), obj->get(), -1);
  if (idx < 0) return false;
  return X509_EXTENSION_get_critical(X509_get_ext(x509_.get(), idx)) != 0;
}

absl::StatusOr<Certificate> IssueCertificate(const CertificateSpec& spec,
                                             EVP_PKEY* subject_public_key,
                                             const Certificate& issuer,
                                             EVP_PKEY* issuer_private_key) {
  return BuildCertificate(spec, subject_public_key, &issuer,
                          issuer_private_key);
}

absl::StatusOr<Certificate> IssueCertificateForPoint(
    const CertificateSpec& spec, absl::string_view subject_public_point,
    const Certificate& issuer, EVP_PKEY* issuer_private_key) {
  auto key = EcdsaP256PublicKey::FromUncompressedPoint(subject_public_point);
  if (!key.ok()) {
    return InvalidField("subject_public_point",
                        absl::StrCat("not a 65-byte uncompressed P-256 point (",
                                     key.status().message(), ")"));
  }
  return BuildCertificate(spec, key->evp(), &issuer, issuer_private_key);
}

absl::StatusOr<Certificate> IssueCertificate(
    const CertificateSpec& spec, const EcdsaP256PublicKey& subject_public_key,
    const Certificate& issuer, const EcdsaP256PrivateKey& issuer_private_key) {
  return BuildCertificate(spec, subject_public_key.evp(), &issuer,
                          issuer_private_key.evp());
}

absl::StatusOr<Certificate> SelfSignCertificate(
    const CertificateSpec& spec, const EcdsaP256PrivateKey& key) {
  return BuildCertificate(spec, key.evp(), nullptr, key.evp());
}

absl::StatusOr<Certificate> SelfSignCertificate(const CertificateSpec& spec,
                                                EVP_PKEY* key) {
  return BuildCertificate(spec, key, nullptr, key);
}

absl::Status VerifyCertificateChain(
    const Certificate& leaf, const std::vector<Certificate>& intermediates,
    const std::vector<Certificate>& trust_anchors, absl::Time at,
    const VerifyOptions& options) {
  if (trust_anchors.empty()) {
    return InvalidField("trust_anchors", "at least one trust anchor is needed");
  }
  if (at == absl::InfinitePast() || at == absl::InfiniteFuture()) {
    return InvalidField("at", "must be a finite time");
  }
  X509StorePtr store(X509_STORE_new());
  if (store == nullptr) return OpenSslError("X509_STORE_new");
  for (const Certificate& anchor : trust_anchors) {
    if (X509_STORE_add_cert(store.get(), anchor.x509()) != 1) {
      return OpenSslError("X509_STORE_add_cert");
    }
  }
  X509StackPtr untrusted(sk_X509_new_null());
  if (untrusted == nullptr) return OpenSslError("sk_X509_new_null");
  for (const Certificate& c : intermediates) {
    if (X509_add_cert(untrusted.get(), c.x509(), X509_ADD_FLAG_UP_REF) != 1) {
      return OpenSslError("X509_add_cert");
    }
  }
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (ctx == nullptr) return OpenSslError("X509_STORE_CTX_new");
  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf.x509(),
                          untrusted.get()) != 1) {
    return OpenSslError("X509_STORE_CTX_init");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, absl::ToTimeT(at));
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
  VerifyContext vctx{&options};
  X509_STORE_CTX_set_ex_data(ctx.get(), 0, &vctx);
  X509_STORE_CTX_set_verify_cb(ctx.get(), VerifyCallback);

  int rc = X509_verify_cert(ctx.get());
  if (rc == 1) {
    ERR_clear_error();
    return absl::OkStatus();
  }
  int err = X509_STORE_CTX_get_error(ctx.get());
  int depth = X509_STORE_CTX_get_error_depth(ctx.get());
  ERR_clear_error();
  if (err == X509_V_OK) {
    return MakeError(absl::StatusCode::kUnauthenticated,
                     "bad_certificate_chain",
                     "certificate chain verification failed");
  }
  return MakeError(
      absl::StatusCode::kUnauthenticated, "bad_certificate_chain",
      absl::StrCat("certificate chain verification failed at depth ", depth,
                   ": ", X509_verify_cert_error_string(err)));
}

std::string KeyAttestationStatement(absl::string_view attester) {
  return absl::StrCat("sct-key-attestation-v1;oem=", attester,
                      ";storage=secure_element;exportable=false");
}

}  // namespace sct::crypto
