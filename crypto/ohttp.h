// Oblivious HTTP (RFC 9458) on the project's HPKE (crypto/hpke.h): the key
// configuration and its list media type, request encapsulation by the client,
// decapsulation and response encapsulation by the gateway, and response
// decapsulation by the client. The inner messages are Binary HTTP
// (common/bhttp.h), hence the labels "message/bhttp request" and
// "message/bhttp response".
//
// Formats (RFC 9458 section 3 and 4):
//   key config   key_id(8) kem_id(16) public_key(Npk)
//                symmetric_algorithms_length(16) {kdf_id(16) aead_id(16)}...
//   ohttp-keys   {length(16) key_config}...   (application/ohttp-keys)
//   request      key_id(8) kem_id(16) kdf_id(16) aead_id(16) enc(Nenc) ct
//   response     response_nonce(max(Nn, Nk)) ct
// Supported: KEM DHKEM(X25519) and DHKEM(P-256), KDF HKDF-SHA256, AEAD
// AES-128-GCM. A key config may list other algorithms; the client picks the
// first pair it supports, and a list skips configs whose KEM it cannot use.
//
// Thread-safety: free functions and const methods are thread-safe. Secrets
// (private keys, the response secret) are wiped when their holder is
// destroyed and never logged.
//
// Errors:
//   INVALID_ARGUMENT "invalid_field" (message naming "ohttp.key_config",
//       "ohttp.request", ...) for malformed configs or messages;
//   NOT_FOUND "ohttp_key_unknown" - a request for a key id, KEM or
//       algorithm pair the gateway does not hold (RFC 9458 section 5.3: the
//       gateway answers with the "ohttp-key" problem type);
//   INVALID_ARGUMENT "decryption_failed" - the AEAD did not authenticate;
//   UNIMPLEMENTED - no supported algorithm in a key config;
//   INTERNAL - an OpenSSL failure.
#ifndef SCT_CRYPTO_OHTTP_H_
#define SCT_CRYPTO_OHTTP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/hpke.h"

namespace sct::crypto::ohttp {

inline constexpr char kKeysMediaType[] = "application/ohttp-keys";
inline constexpr char kRequestMediaType[] = "message/ohttp-req";
inline constexpr char kResponseMediaType[] = "message/ohttp-res";
inline constexpr char kRequestLabel[] = "message/bhttp request";
inline constexpr char kResponseLabel[] = "message/bhttp response";
// RFC 9458 section 8.3's problem type for a key configuration mismatch.
inline constexpr char kKeyProblemType[] =
    "https://iana.org/assignments/http-problem-types#ohttp-key";

struct SymmetricAlgorithm {
  uint16_t kdf_id = 0;
  uint16_t aead_id = 0;
  bool operator==(const SymmetricAlgorithm& o) const {
    return kdf_id == o.kdf_id && aead_id == o.aead_id;
  }
};

struct KeyConfig {
  uint8_t key_id = 0;
  uint16_t kem_id = 0;
  std::string public_key;  // raw, HpkePublicKeySize(kem) bytes
  std::vector<SymmetricAlgorithm> algorithms;
};

absl::StatusOr<std::string> EncodeKeyConfig(const KeyConfig& config);
// Exactly one config filling `bytes`; the KEM must be supported (its public
// key length decides the layout).
absl::StatusOr<KeyConfig> ParseKeyConfig(absl::string_view bytes);
// application/ohttp-keys.
absl::StatusOr<std::string> EncodeKeyConfigList(const std::vector<KeyConfig>& configs);
// The configs with a supported KEM, in order; INVALID_ARGUMENT when the body
// is malformed or holds none usable.
absl::StatusOr<std::vector<KeyConfig>> ParseKeyConfigList(absl::string_view bytes);

// What a client keeps between sending a request and opening its response.
class ClientResponseContext {
 public:
  ClientResponseContext(ClientResponseContext&&) = default;
  ClientResponseContext& operator=(ClientResponseContext&&) = default;
  ~ClientResponseContext();

  // The inner response of an encapsulated response.
  absl::StatusOr<std::string> DecapsulateResponse(absl::string_view encapsulated) const;

 private:
  friend class ClientAccess;
  ClientResponseContext(std::string enc, std::string secret)
      : enc_(std::move(enc)), secret_(std::move(secret)) {}
  std::string enc_;
  std::string secret_;  // Export("message/bhttp response", max(Nn, Nk))
};

struct EncapsulatedRequest {
  std::string bytes;  // the message/ohttp-req body
  ClientResponseContext context;
};

// Seals `request` (a Binary HTTP request) to `config` with a fresh
// ephemeral key.
absl::StatusOr<EncapsulatedRequest> EncapsulateRequest(const KeyConfig& config,
                                                       absl::string_view request);
// The same with the given ephemeral private key (RFC vector tests only).
absl::StatusOr<EncapsulatedRequest> EncapsulateRequestForTesting(
    const KeyConfig& config, absl::string_view request, absl::string_view ephemeral_private_key);

// What a gateway keeps between opening a request and sealing its response.
class GatewayResponseContext {
 public:
  GatewayResponseContext(GatewayResponseContext&&) = default;
  GatewayResponseContext& operator=(GatewayResponseContext&&) = default;
  ~GatewayResponseContext();

  // Seals `response` (a Binary HTTP response) with a fresh response nonce.
  absl::StatusOr<std::string> EncapsulateResponse(absl::string_view response) const;
  // The same with the given nonce of max(Nn, Nk) bytes (RFC vector tests).
  absl::StatusOr<std::string> EncapsulateResponseForTesting(absl::string_view response,
                                                            absl::string_view nonce) const;

 private:
  friend class GatewayAccess;
  GatewayResponseContext(std::string enc, std::string secret)
      : enc_(std::move(enc)), secret_(std::move(secret)) {}
  std::string enc_;
  std::string secret_;
};

struct DecapsulatedRequest {
  std::string request;  // the inner Binary HTTP request
  GatewayResponseContext context;
};

struct GatewayKey {
  KeyConfig config;
  std::string private_key;  // raw
};

// The gateway's keys. Immutable after Create.
class Gateway {
 public:
  // INVALID_ARGUMENT for no key, two keys with one id, a private key that
  // does not match its config's public key, or an unsupported KEM.
  static absl::StatusOr<Gateway> Create(std::vector<GatewayKey> keys);
  // One fresh X25519 key with id `key_id`, offering HKDF-SHA256/AES-128-GCM.
  static absl::StatusOr<Gateway> Generate(uint8_t key_id);
  Gateway(Gateway&&) = default;
  Gateway& operator=(Gateway&&) = default;
  ~Gateway();

  // The application/ohttp-keys body.
  absl::StatusOr<std::string> EncodedKeyConfigs() const;
  const std::vector<GatewayKey>& keys() const { return keys_; }

  absl::StatusOr<DecapsulatedRequest> DecapsulateRequest(absl::string_view encapsulated) const;

 private:
  explicit Gateway(std::vector<GatewayKey> keys) : keys_(std::move(keys)) {}
  std::vector<GatewayKey> keys_;
};

}  // namespace sct::crypto::ohttp

#endif  // SCT_CRYPTO_OHTTP_H_
