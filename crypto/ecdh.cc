#include "crypto/ecdh.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "crypto/p256.h"

namespace sct::crypto {
namespace {

// Runs EVP_PKEY_derive(own, peer). Returns the raw OpenSSL outcome so callers
// can classify a failure; the peer is validated by OpenSSL as well.
absl::StatusOr<std::string> Derive(EVP_PKEY* own, EVP_PKEY* peer) {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr));
  if (ctx == nullptr) return OpenSslError("EVP_PKEY_CTX_new_from_pkey");
  if (EVP_PKEY_derive_init(ctx.get()) != 1) {
    return OpenSslError("EVP_PKEY_derive_init");
  }
  if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer, /*validate_peer=*/1) != 1) {
    return OpenSslError("EVP_PKEY_derive_set_peer_ex");
  }
  size_t len = 0;
  if (EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1) {
    return OpenSslError("EVP_PKEY_derive(size)");
  }
  std::string out(len, '\0');
  if (EVP_PKEY_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()),
                      &len) != 1) {
    return OpenSslError("EVP_PKEY_derive");
  }
  out.resize(len);
  return out;
}

}  // namespace

// ---- P-256 ----

absl::StatusOr<EcdhP256PrivateKey> EcdhP256PrivateKey::FromEvp(EvpPkeyPtr key) {
  ASSIGN_OR_RETURN(std::string point, P256PublicPoint(key.get()));
  return EcdhP256PrivateKey(std::move(key), std::move(point));
}

absl::StatusOr<EcdhP256PrivateKey> EcdhP256PrivateKey::Generate() {
  ASSIGN_OR_RETURN(EvpPkeyPtr key, GenerateP256Key());
  return FromEvp(std::move(key));
}

absl::StatusOr<EcdhP256PrivateKey> EcdhP256PrivateKey::FromRawScalar(
    absl::string_view scalar) {
  ASSIGN_OR_RETURN(EvpPkeyPtr key,
                   P256PrivateKeyFromScalar(scalar, "private_key"));
  return FromEvp(std::move(key));
}

EcdhP256PrivateKey::EcdhP256PrivateKey(const EcdhP256PrivateKey& other)
    : key_(UpRef(other.key_.get())), public_point_(other.public_point_) {}

EcdhP256PrivateKey& EcdhP256PrivateKey::operator=(
    const EcdhP256PrivateKey& other) {
  if (this != &other) {
    key_ = UpRef(other.key_.get());
    public_point_ = other.public_point_;
  }
  return *this;
}

absl::StatusOr<std::string> EcdhP256PrivateKey::ComputeSharedSecret(
    absl::string_view peer_uncompressed_point) const {
  ASSIGN_OR_RETURN(
      EvpPkeyPtr peer,
      P256PublicKeyFromPoint(peer_uncompressed_point, "peer_public_key"));
  ASSIGN_OR_RETURN(std::string secret, Derive(key_.get(), peer.get()));
  if (secret.size() != kP256ScalarSize) {
    return absl::InternalError(
        absl::StrCat("P-256 ECDH produced ", secret.size(), " bytes"));
  }
  return secret;
}

absl::StatusOr<std::string> EcdhP256PrivateKey::RawScalar() const {
  return P256PrivateScalar(key_.get());
}

absl::Status CheckP256PublicPoint(absl::string_view point,
                                  absl::string_view field) {
  return P256PublicKeyFromPoint(point, field).status();
}

// ---- X25519 ----

absl::StatusOr<X25519PrivateKey> X25519PrivateKey::FromEvp(EvpPkeyPtr key) {
  std::string pub(kKeySize, '\0');
  size_t len = pub.size();
  if (EVP_PKEY_get_raw_public_key(
          key.get(), reinterpret_cast<unsigned char*>(pub.data()), &len) != 1 ||
      len != kKeySize) {
    return OpenSslError("EVP_PKEY_get_raw_public_key(X25519)");
  }
  return X25519PrivateKey(std::move(key), std::move(pub));
}

absl::StatusOr<X25519PrivateKey> X25519PrivateKey::Generate() {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
  if (key == nullptr) return OpenSslError("EVP_PKEY_Q_keygen(X25519)");
  return FromEvp(std::move(key));
}

absl::StatusOr<X25519PrivateKey> X25519PrivateKey::FromRaw(
    absl::string_view raw) {
  if (raw.size() != kKeySize) {
    return InvalidField(
        "private_key",
        absl::StrCat("an X25519 private key is 32 bytes, got ", raw.size()));
  }
  EvpPkeyPtr key(EVP_PKEY_new_raw_private_key_ex(
      nullptr, "X25519", nullptr,
      reinterpret_cast<const unsigned char*>(raw.data()), raw.size()));
  if (key == nullptr) return OpenSslError("EVP_PKEY_new_raw_private_key_ex");
  return FromEvp(std::move(key));
}

X25519PrivateKey::X25519PrivateKey(const X25519PrivateKey& other)
    : key_(UpRef(other.key_.get())), public_key_(other.public_key_) {}

X25519PrivateKey& X25519PrivateKey::operator=(const X25519PrivateKey& other) {
  if (this != &other) {
    key_ = UpRef(other.key_.get());
    public_key_ = other.public_key_;
  }
  return *this;
}

absl::StatusOr<std::string> X25519PrivateKey::ComputeSharedSecret(
    absl::string_view peer_public_key) const {
  if (peer_public_key.size() != kKeySize) {
    return InvalidField("peer_public_key",
                        absl::StrCat("an X25519 public key is 32 bytes, got ",
                                     peer_public_key.size()));
  }
  EvpPkeyPtr peer(EVP_PKEY_new_raw_public_key_ex(
      nullptr, "X25519", nullptr,
      reinterpret_cast<const unsigned char*>(peer_public_key.data()),
      peer_public_key.size()));
  if (peer == nullptr) return OpenSslError("EVP_PKEY_new_raw_public_key_ex");
  absl::StatusOr<std::string> secret = Derive(key_.get(), peer.get());
  if (!secret.ok()) {
    // With well-formed 32-byte keys, OpenSSL's X25519 derivation fails only
    // when the result is all zero, i.e. the peer is a low-order point.
    return InvalidField(
        "peer_public_key",
        absl::StrCat("X25519 key agreement failed (low-order point gives an "
                     "all-zero shared secret): ",
                     secret.status().message()));
  }
  static const char kZeros[kKeySize] = {0};
  if (secret->size() != kKeySize ||
      CRYPTO_memcmp(secret->data(), kZeros, kKeySize) == 0) {
    return InvalidField("peer_public_key",
                        "X25519 shared secret is all zero (low-order point)");
  }
  return secret;
}

absl::StatusOr<std::string> X25519PrivateKey::Raw() const {
  std::string raw(kKeySize, '\0');
  size_t len = raw.size();
  if (EVP_PKEY_get_raw_private_key(key_.get(),
                                   reinterpret_cast<unsigned char*>(raw.data()),
                                   &len) != 1 ||
      len != kKeySize) {
    return OpenSslError("EVP_PKEY_get_raw_private_key(X25519)");
  }
  return raw;
}

absl::StatusOr<std::string> X25519PublicFromPrivate(absl::string_view raw) {
  ASSIGN_OR_RETURN(X25519PrivateKey key, X25519PrivateKey::FromRaw(raw));
  return key.PublicKey();
}

}  // namespace sct::crypto
