#include "crypto/ecdsa.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "crypto/p256.h"

namespace sct::crypto {
namespace {

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

absl::Status BadSignature(absl::string_view why) {
  ERR_clear_error();
  return MakeError(
      absl::StatusCode::kUnauthenticated, "bad_signature",
      absl::StrCat("ECDSA P-256 signature does not verify: ", why));
}

}  // namespace

absl::StatusOr<std::string> EcdsaDerToP1363(absl::string_view der) {
  const unsigned char* p = Bytes(der);
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (sig == nullptr || p != Bytes(der) + der.size()) {
    ERR_clear_error();
    return InvalidField("signature", "not a DER ECDSA signature");
  }
  // Strict DER: the re-encoding must be identical.
  unsigned char* again = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &again);
  if (len <= 0) return OpenSslError("i2d_ECDSA_SIG");
  bool same = static_cast<size_t>(len) == der.size() &&
              std::equal(again, again + len, Bytes(der));
  OPENSSL_free(again);
  if (!same) return InvalidField("signature", "not strict DER");
  const BIGNUM* r = ECDSA_SIG_get0_r(sig.get());
  const BIGNUM* s = ECDSA_SIG_get0_s(sig.get());
  std::string out(kEcdsaP256P1363Size, '\0');
  unsigned char* o = reinterpret_cast<unsigned char*>(out.data());
  if (BN_is_negative(r) || BN_is_negative(s) || BN_bn2binpad(r, o, 32) != 32 ||
      BN_bn2binpad(s, o + 32, 32) != 32) {
    ERR_clear_error();
    return InvalidField("signature", "r or s out of range");
  }
  return out;
}

absl::StatusOr<std::string> EcdsaP1363ToDer(absl::string_view p1363) {
  if (p1363.size() != kEcdsaP256P1363Size) {
    return InvalidField("signature",
                        absl::StrCat("a P1363 P-256 signature is 64 bytes, "
                                     "got ",
                                     p1363.size()));
  }
  BignumPtr r(BN_bin2bn(Bytes(p1363), 32, nullptr));
  BignumPtr s(BN_bin2bn(Bytes(p1363) + 32, 32, nullptr));
  if (r == nullptr || s == nullptr) return OpenSslError("BN_bin2bn");
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (sig == nullptr) return OpenSslError("ECDSA_SIG_new");
  if (ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return OpenSslError("ECDSA_SIG_set0");
  }
  r.release();  // Now owned by sig.
  s.release();
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return OpenSslError("i2d_ECDSA_SIG");
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

// ---- Public key ----

absl::StatusOr<EcdsaP256PublicKey> EcdsaP256PublicKey::FromOwned(
    EvpPkeyPtr key) {
  RETURN_IF_ERROR(CheckP256(key.get(), "public_key"));
  ASSIGN_OR_RETURN(std::string point, P256PublicPoint(key.get()));
  // Normalize through the point so the key is validated and SPKI canonical.
  ASSIGN_OR_RETURN(EvpPkeyPtr normalized,
                   P256PublicKeyFromPoint(point, "public_key"));
  std::string spki = P256SpkiDerFromPoint(point);
  return EcdsaP256PublicKey(std::move(normalized), std::move(point),
                            std::move(spki));
}

absl::StatusOr<EcdsaP256PublicKey> EcdsaP256PublicKey::FromUncompressedPoint(
    absl::string_view point65) {
  ASSIGN_OR_RETURN(EvpPkeyPtr key,
                   P256PublicKeyFromPoint(point65, "public_key"));
  return EcdsaP256PublicKey(std::move(key), std::string(point65),
                            P256SpkiDerFromPoint(point65));
}

absl::StatusOr<EcdsaP256PublicKey> EcdsaP256PublicKey::FromSpkiDer(
    absl::string_view der) {
  // The encoding every key of ours has (and SpkiDer() gives) is read without
  // OpenSSL 3.0's decoder, which costs more than an ECDSA verification; the
  // point is validated the same way. Any other encoding OpenSSL accepts
  // (a compressed point, say) is normalised through the decoder.
  if (absl::string_view point = CanonicalP256SpkiPoint(der); !point.empty()) {
    return FromUncompressedPoint(point);
  }
  const unsigned char* p = Bytes(der);
  EvpPkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (key == nullptr || p != Bytes(der) + der.size()) {
    return InvalidField(
        "public_key",
        absl::StrCat("not a DER SubjectPublicKeyInfo: ", DrainOpenSslErrors()));
  }
  return FromOwned(std::move(key));
}

absl::StatusOr<EcdsaP256PublicKey> EcdsaP256PublicKey::FromEvp(EVP_PKEY* pkey) {
  EvpPkeyPtr key = UpRef(pkey);
  if (key == nullptr) return InvalidField("public_key", "no key");
  return FromOwned(std::move(key));
}

EcdsaP256PublicKey::EcdsaP256PublicKey(const EcdsaP256PublicKey& other)
    : key_(UpRef(other.key_.get())),
      point_(other.point_),
      spki_der_(other.spki_der_) {}

EcdsaP256PublicKey& EcdsaP256PublicKey::operator=(
    const EcdsaP256PublicKey& other) {
  if (this != &other) {
    key_ = UpRef(other.key_.get());
    point_ = other.point_;
    spki_der_ = other.spki_der_;
  }
  return *this;
}

absl::Status EcdsaP256PublicKey::Verify(absl::string_view message,
                                        absl::string_view signature,
                                        SignatureEncoding enc) const {
  std::string der;
  if (enc == SignatureEncoding::kP1363) {
    if (signature.size() != kEcdsaP256P1363Size) {
      return BadSignature("a P1363 signature is 64 bytes");
    }
    ASSIGN_OR_RETURN(der, EcdsaP1363ToDer(signature));
  } else {
    der = std::string(signature);
  }
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) return OpenSslError("EVP_MD_CTX_new");
  if (EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr,
                              key_.get(), nullptr) != 1) {
    return OpenSslError("EVP_DigestVerifyInit_ex");
  }
  // OpenSSL's ECDSA verify rejects non-canonical DER, r or s outside
  // [1, n-1], and trailing data.
  int rc = EVP_DigestVerify(ctx.get(), Bytes(der), der.size(), Bytes(message),
                            message.size());
  if (rc != 1) return BadSignature(rc == 0 ? "mismatch" : "malformed");
  return absl::OkStatus();
}

// ---- Private key ----

absl::StatusOr<EcdsaP256PrivateKey> EcdsaP256PrivateKey::FromOwned(
    EvpPkeyPtr key) {
  RETURN_IF_ERROR(CheckP256(key.get(), "private_key"));
  ASSIGN_OR_RETURN(std::string point, P256PublicPoint(key.get()));
  ASSIGN_OR_RETURN(EcdsaP256PublicKey pub,
                   EcdsaP256PublicKey::FromUncompressedPoint(point));
  return EcdsaP256PrivateKey(std::move(key), std::move(pub));
}

absl::StatusOr<EcdsaP256PrivateKey> EcdsaP256PrivateKey::Generate() {
  ASSIGN_OR_RETURN(EvpPkeyPtr key, GenerateP256Key());
  return FromOwned(std::move(key));
}

absl::StatusOr<EcdsaP256PrivateKey> EcdsaP256PrivateKey::FromRawScalar(
    absl::string_view scalar) {
  ASSIGN_OR_RETURN(EvpPkeyPtr key,
                   P256PrivateKeyFromScalar(scalar, "private_key"));
  return FromOwned(std::move(key));
}

absl::StatusOr<EcdsaP256PrivateKey> EcdsaP256PrivateKey::FromPkcs8Der(
    absl::string_view der) {
  const unsigned char* p = Bytes(der);
  Pkcs8PrivKeyInfoPtr info(
      d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size())));
  if (info == nullptr || p != Bytes(der) + der.size()) {
    return InvalidField("private_key",
                        absl::StrCat("not a DER PKCS#8 PrivateKeyInfo: ",
                                     DrainOpenSslErrors()));
  }
  EvpPkeyPtr key(EVP_PKCS82PKEY(info.get()));
  if (key == nullptr) {
    return InvalidField("private_key", absl::StrCat("unusable PKCS#8 key: ",
                                                    DrainOpenSslErrors()));
  }
  EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (check == nullptr) return OpenSslError("EVP_PKEY_CTX_new_from_pkey");
  if (EVP_PKEY_is_a(key.get(), "EC") == 1 &&
      EVP_PKEY_pairwise_check(check.get()) != 1) {
    return InvalidField(
        "private_key",
        absl::StrCat("inconsistent EC key pair: ", DrainOpenSslErrors()));
  }
  return FromOwned(std::move(key));
}

EcdsaP256PrivateKey::EcdsaP256PrivateKey(const EcdsaP256PrivateKey& other)
    : key_(UpRef(other.key_.get())), public_key_(other.public_key_) {}

EcdsaP256PrivateKey& EcdsaP256PrivateKey::operator=(
    const EcdsaP256PrivateKey& other) {
  if (this != &other) {
    key_ = UpRef(other.key_.get());
    public_key_ = other.public_key_;
  }
  return *this;
}

std::string EcdsaP256PrivateKey::ToPkcs8Der() const {
  Pkcs8PrivKeyInfoPtr info(EVP_PKEY2PKCS8(key_.get()));
  if (info == nullptr) {
    ERR_clear_error();
    return "";
  }
  unsigned char* der = nullptr;
  int len = i2d_PKCS8_PRIV_KEY_INFO(info.get(), &der);
  if (len <= 0) {
    ERR_clear_error();
    return "";
  }
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_clear_free(der, static_cast<size_t>(len));
  return out;
}

absl::StatusOr<std::string> EcdsaP256PrivateKey::Sign(
    absl::string_view message, SignatureEncoding enc) const {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) return OpenSslError("EVP_MD_CTX_new");
  if (EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr,
                            key_.get(), nullptr) != 1) {
    return OpenSslError("EVP_DigestSignInit_ex");
  }
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, Bytes(message),
                     message.size()) != 1) {
    return OpenSslError("EVP_DigestSign(size)");
  }
  std::string der(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()),
                     &len, Bytes(message), message.size()) != 1) {
    return OpenSslError("EVP_DigestSign");
  }
  der.resize(len);
  if (enc == SignatureEncoding::kDer) return der;
  return EcdsaDerToP1363(der);
}

}  // namespace sct::crypto
