#include "crypto/p256.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace sct::crypto {
namespace {

absl::StatusOr<EcGroupPtr> P256Group() {
  EcGroupPtr group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  if (group == nullptr) return OpenSslError("EC_GROUP_new_by_curve_name");
  return group;
}

// Runs EVP_PKEY_fromdata for an "EC" key with `params`.
absl::StatusOr<EvpPkeyPtr> FromData(int selection, OSSL_PARAM* params) {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (ctx == nullptr) return OpenSslError("EVP_PKEY_CTX_new_from_name(EC)");
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1) {
    return OpenSslError("EVP_PKEY_fromdata_init");
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, selection, params) != 1) {
    return OpenSslError("EVP_PKEY_fromdata");
  }
  return EvpPkeyPtr(raw);
}

// Re-encodes any point encoding OpenSSL accepts as uncompressed.
absl::StatusOr<std::string> ToUncompressed(absl::string_view encoded) {
  ASSIGN_OR_RETURN(EcGroupPtr group, P256Group());
  EcPointPtr point(EC_POINT_new(group.get()));
  if (point == nullptr) return OpenSslError("EC_POINT_new");
  if (EC_POINT_oct2point(group.get(), point.get(),
                         reinterpret_cast<const unsigned char*>(encoded.data()),
                         encoded.size(), nullptr) != 1) {
    return OpenSslError("EC_POINT_oct2point");
  }
  std::string out(kP256UncompressedPointSize, '\0');
  if (EC_POINT_point2oct(group.get(), point.get(),
                         POINT_CONVERSION_UNCOMPRESSED,
                         reinterpret_cast<unsigned char*>(out.data()),
                         out.size(), nullptr) != out.size()) {
    return OpenSslError("EC_POINT_point2oct");
  }
  return out;
}

// SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING (66 bytes:
// no unused bits, then the 65-byte point) }.
constexpr char kP256SpkiHeader[] =
    "\x30\x59\x30\x13\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x08\x2a\x86\x48"
    "\xce\x3d\x03\x01\x07\x03\x42\x00";
constexpr size_t kP256SpkiHeaderSize = sizeof(kP256SpkiHeader) - 1;
static_assert(kP256SpkiHeaderSize == 26);

}  // namespace

std::string P256SpkiDerFromPoint(absl::string_view point65) {
  return absl::StrCat(absl::string_view(kP256SpkiHeader, kP256SpkiHeaderSize), point65);
}

absl::string_view CanonicalP256SpkiPoint(absl::string_view der) {
  if (der.size() != kP256SpkiHeaderSize + kP256UncompressedPointSize) return {};
  if (der.substr(0, kP256SpkiHeaderSize) !=
      absl::string_view(kP256SpkiHeader, kP256SpkiHeaderSize)) {
    return {};
  }
  absl::string_view point = der.substr(kP256SpkiHeaderSize);
  if (point[0] != 0x04) return {};
  return point;
}

absl::StatusOr<EvpPkeyPtr> GenerateP256Key() {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (key == nullptr) return OpenSslError("EVP_PKEY_Q_keygen(P-256)");
  return key;
}

absl::StatusOr<EvpPkeyPtr> P256PublicKeyFromPoint(absl::string_view point,
                                                  absl::string_view field) {
  if (point.size() != kP256UncompressedPointSize || point[0] != 0x04) {
    return InvalidField(field,
                        absl::StrCat("a P-256 public key must be a 65-byte "
                                     "uncompressed point (0x04||X||Y), got ",
                                     point.size(), " bytes"));
  }
  char group_name[] = "prime256v1";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(
                             OSSL_PKEY_PARAM_GROUP_NAME, group_name, 0),
                         OSSL_PARAM_construct_octet_string(
                             OSSL_PKEY_PARAM_PUB_KEY,
                             const_cast<char*>(point.data()), point.size()),
                         OSSL_PARAM_construct_end()};
  absl::StatusOr<EvpPkeyPtr> key = FromData(EVP_PKEY_PUBLIC_KEY, params);
  if (!key.ok()) {
    // OpenSSL rejects coordinates >= p and points off the curve here.
    return InvalidField(field, absl::StrCat("not a valid P-256 point: ",
                                            key.status().message()));
  }
  EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key->get(), nullptr));
  if (check == nullptr) return OpenSslError("EVP_PKEY_CTX_new_from_pkey");
  // The quick check: not infinity, coordinates below p, on the curve. The
  // full check adds n*Q == infinity, a scalar multiplication (the cost of
  // an ECDSA verification) that cannot fail on P-256: its cofactor is 1, so
  // every point on the curve other than infinity has order n.
  if (EVP_PKEY_public_check_quick(check.get()) != 1) {
    return InvalidField(field, absl::StrCat("P-256 public key check failed: ",
                                            DrainOpenSslErrors()));
  }
  return key;
}

absl::StatusOr<EvpPkeyPtr> P256PrivateKeyFromScalar(absl::string_view scalar,
                                                    absl::string_view field) {
  if (scalar.size() != kP256ScalarSize) {
    return InvalidField(field, absl::StrCat("a P-256 private scalar is 32 "
                                            "bytes, got ",
                                            scalar.size()));
  }
  ASSIGN_OR_RETURN(EcGroupPtr group, P256Group());
  OpenSslPtr<BIGNUM, BN_clear_free> d(BN_secure_new());
  if (d == nullptr) return OpenSslError("BN_secure_new");
  if (BN_bin2bn(reinterpret_cast<const unsigned char*>(scalar.data()),
                static_cast<int>(scalar.size()), d.get()) == nullptr) {
    return OpenSslError("BN_bin2bn");
  }
  const BIGNUM* order = EC_GROUP_get0_order(group.get());
  if (BN_is_zero(d.get()) || BN_cmp(d.get(), order) >= 0) {
    BN_clear(d.get());
    return InvalidField(field, "P-256 private scalar must be in [1, n-1]");
  }
  BnCtxPtr bn_ctx(BN_CTX_secure_new());
  EcPointPtr pub(EC_POINT_new(group.get()));
  if (bn_ctx == nullptr || pub == nullptr) return OpenSslError("EC_POINT_new");
  if (EC_POINT_mul(group.get(), pub.get(), d.get(), nullptr, nullptr,
                   bn_ctx.get()) != 1) {
    return OpenSslError("EC_POINT_mul");
  }
  unsigned char pub_bytes[kP256UncompressedPointSize];
  if (EC_POINT_point2oct(group.get(), pub.get(), POINT_CONVERSION_UNCOMPRESSED,
                         pub_bytes, sizeof(pub_bytes),
                         bn_ctx.get()) != sizeof(pub_bytes)) {
    return OpenSslError("EC_POINT_point2oct");
  }
  OsslParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      kP256GroupName, 0) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                       pub_bytes, sizeof(pub_bytes)) != 1) {
    return OpenSslError("OSSL_PARAM_BLD");
  }
  OsslParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (params == nullptr) return OpenSslError("OSSL_PARAM_BLD_to_param");
  absl::StatusOr<EvpPkeyPtr> key = FromData(EVP_PKEY_KEYPAIR, params.get());
  BN_clear(d.get());
  return key;
}

absl::Status CheckP256(EVP_PKEY* pkey, absl::string_view field) {
  if (pkey == nullptr || EVP_PKEY_is_a(pkey, "EC") != 1) {
    return InvalidField(field, "not an EC key");
  }
  char name[64] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name,
                                     sizeof(name), &len) != 1) {
    ERR_clear_error();
    return InvalidField(field, "EC key without a named curve");
  }
  if (std::strcmp(name, kP256GroupName) != 0) {
    return InvalidField(field,
                        absl::StrCat("EC key on ", name, ", expected P-256"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> P256PublicPoint(EVP_PKEY* pkey) {
  unsigned char buf[kP256UncompressedPointSize + 8];
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, buf,
                                      sizeof(buf), &len) != 1) {
    return OpenSslError("EVP_PKEY_get_octet_string_param(pub)");
  }
  std::string encoded(reinterpret_cast<char*>(buf), len);
  if (len == kP256UncompressedPointSize && buf[0] == 0x04) return encoded;
  return ToUncompressed(encoded);
}

absl::StatusOr<std::string> P256PrivateScalar(EVP_PKEY* pkey) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &raw) != 1) {
    return OpenSslError("EVP_PKEY_get_bn_param(priv)");
  }
  OpenSslPtr<BIGNUM, BN_clear_free> d(raw);
  std::string out(kP256ScalarSize, '\0');
  if (BN_bn2binpad(d.get(), reinterpret_cast<unsigned char*>(out.data()),
                   static_cast<int>(out.size())) !=
      static_cast<int>(out.size())) {
    return OpenSslError("BN_bn2binpad");
  }
  return out;
}

}  // namespace sct::crypto
