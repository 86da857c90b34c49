#include "crypto/ohttp.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "crypto/aead.h"
#include "crypto/hkdf.h"
#include "crypto/random.h"
#include "openssl/crypto.h"

namespace sct::crypto::ohttp {

// Friends of the contexts' private constructors.
class ClientAccess {
 public:
  static ClientResponseContext Make(std::string enc, std::string secret) {
    return ClientResponseContext(std::move(enc), std::move(secret));
  }
};

class GatewayAccess {
 public:
  static GatewayResponseContext Make(std::string enc, std::string secret) {
    return GatewayResponseContext(std::move(enc), std::move(secret));
  }
};

namespace {

constexpr size_t kNk = 16;  // AES-128-GCM key
constexpr size_t kNn = 12;  // AES-128-GCM nonce
constexpr size_t kResponseNonceSize = std::max(kNk, kNn);
constexpr size_t kHeaderSize = 7;

void Wipe(std::string* s) {
  if (!s->empty()) OPENSSL_cleanse(s->data(), s->size());
}

void AppendU16(uint16_t v, std::string* out) {
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v & 0xff));
}

uint16_t ReadU16(absl::string_view in, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(in[at]) << 8) |
                               static_cast<uint8_t>(in[at + 1]));
}

bool Supported(const SymmetricAlgorithm& a) {
  return a.kdf_id == static_cast<uint16_t>(HpkeKdf::kHkdfSha256) &&
         a.aead_id == static_cast<uint16_t>(HpkeAead::kAes128Gcm);
}

absl::StatusOr<HpkeSuite> SuiteFor(uint16_t kem_id, const SymmetricAlgorithm& a) {
  return HpkeSuiteFromIds(kem_id, a.kdf_id, a.aead_id);
}

// hdr = key_id kem_id kdf_id aead_id.
std::string Header(uint8_t key_id, uint16_t kem_id, const SymmetricAlgorithm& a) {
  std::string hdr(1, static_cast<char>(key_id));
  AppendU16(kem_id, &hdr);
  AppendU16(a.kdf_id, &hdr);
  AppendU16(a.aead_id, &hdr);
  return hdr;
}

std::string Info(absl::string_view hdr) {
  return absl::StrCat(kRequestLabel, absl::string_view("\0", 1), hdr);
}

// The AEAD key and nonce of a response (RFC 9458 section 4.4).
absl::StatusOr<AesGcm> ResponseAead(absl::string_view enc, absl::string_view secret,
                                    absl::string_view nonce, std::string* aead_nonce) {
  ASSIGN_OR_RETURN(std::string prk, HkdfSha256Extract(absl::StrCat(enc, nonce), secret));
  ASSIGN_OR_RETURN(std::string key, HkdfSha256Expand(prk, "key", kNk));
  ASSIGN_OR_RETURN(*aead_nonce, HkdfSha256Expand(prk, "nonce", kNn));
  absl::StatusOr<AesGcm> aead = AesGcm::Create(key);
  Wipe(&prk);
  Wipe(&key);
  return aead;
}

absl::StatusOr<size_t> PublicKeySize(uint16_t kem_id, absl::string_view field) {
  if (kem_id != static_cast<uint16_t>(HpkeKem::kDhkemX25519HkdfSha256) &&
      kem_id != static_cast<uint16_t>(HpkeKem::kDhkemP256HkdfSha256)) {
    return MakeError(absl::StatusCode::kUnimplemented, "unsupported_kem",
                     absl::StrCat(field, ": KEM ", kem_id, " is not supported"));
  }
  return HpkePublicKeySize(static_cast<HpkeKem>(kem_id));
}

absl::StatusOr<EncapsulatedRequest> Encapsulate(const KeyConfig& config, absl::string_view request,
                                                HpkeSenderParams params) {
  auto algorithm = std::find_if(config.algorithms.begin(), config.algorithms.end(), Supported);
  if (algorithm == config.algorithms.end()) {
    return MakeError(absl::StatusCode::kUnimplemented, "unsupported_algorithm",
                     "ohttp.key_config: no supported KDF/AEAD pair");
  }
  ASSIGN_OR_RETURN(HpkeSuite suite, SuiteFor(config.kem_id, *algorithm));
  const std::string hdr = Header(config.key_id, config.kem_id, *algorithm);
  ASSIGN_OR_RETURN(HpkeSenderContext ctx,
                   HpkeSetupSender(suite, config.public_key, Info(hdr), params));
  ASSIGN_OR_RETURN(std::string ct, ctx.Seal("", request));
  ASSIGN_OR_RETURN(std::string secret, ctx.Export(kResponseLabel, kResponseNonceSize));
  EncapsulatedRequest out{absl::StrCat(hdr, ctx.enc(), ct),
                          ClientAccess::Make(ctx.enc(), std::move(secret))};
  return out;
}

}  // namespace

absl::StatusOr<std::string> EncodeKeyConfig(const KeyConfig& config) {
  ASSIGN_OR_RETURN(size_t npk, PublicKeySize(config.kem_id, "ohttp.key_config.kem_id"));
  if (config.public_key.size() != npk) {
    return InvalidField("ohttp.key_config.public_key", "wrong length for the KEM");
  }
  if (config.algorithms.empty() || config.algorithms.size() > 0x3fff) {
    return InvalidField("ohttp.key_config.algorithms", "must hold 1..16383 pairs");
  }
  std::string out(1, static_cast<char>(config.key_id));
  AppendU16(config.kem_id, &out);
  out += config.public_key;
  AppendU16(static_cast<uint16_t>(4 * config.algorithms.size()), &out);
  for (const SymmetricAlgorithm& a : config.algorithms) {
    AppendU16(a.kdf_id, &out);
    AppendU16(a.aead_id, &out);
  }
  return out;
}

absl::StatusOr<KeyConfig> ParseKeyConfig(absl::string_view bytes) {
  constexpr char kField[] = "ohttp.key_config";
  if (bytes.size() < 3) return InvalidField(kField, "shorter than its header");
  KeyConfig config;
  config.key_id = static_cast<uint8_t>(bytes[0]);
  config.kem_id = ReadU16(bytes, 1);
  ASSIGN_OR_RETURN(size_t npk, PublicKeySize(config.kem_id, kField));
  if (bytes.size() < 3 + npk + 2) return InvalidField(kField, "truncated public key");
  config.public_key = std::string(bytes.substr(3, npk));
  const size_t length = ReadU16(bytes, 3 + npk);
  absl::string_view algs = bytes.substr(3 + npk + 2);
  if (length == 0 || length % 4 != 0) {
    return InvalidField(kField, "symmetric algorithms length not a positive multiple of 4");
  }
  if (algs.size() != length) return InvalidField(kField, "length does not match the algorithms");
  for (size_t i = 0; i < length; i += 4) {
    config.algorithms.push_back({ReadU16(algs, i), ReadU16(algs, i + 2)});
  }
  return config;
}

absl::StatusOr<std::string> EncodeKeyConfigList(const std::vector<KeyConfig>& configs) {
  std::string out;
  for (const KeyConfig& c : configs) {
    ASSIGN_OR_RETURN(std::string one, EncodeKeyConfig(c));
    if (one.size() > 0xffff) return InvalidField("ohttp.key_config", "longer than 65535 bytes");
    AppendU16(static_cast<uint16_t>(one.size()), &out);
    out += one;
  }
  return out;
}

absl::StatusOr<std::vector<KeyConfig>> ParseKeyConfigList(absl::string_view bytes) {
  constexpr char kField[] = "ohttp.keys";
  std::vector<KeyConfig> out;
  while (!bytes.empty()) {
    if (bytes.size() < 2) return InvalidField(kField, "truncated length");
    const size_t length = ReadU16(bytes, 0);
    if (bytes.size() < 2 + length) return InvalidField(kField, "a config is truncated");
    absl::StatusOr<KeyConfig> config = ParseKeyConfig(bytes.substr(2, length));
    bytes.remove_prefix(2 + length);
    if (config.ok()) {
      out.push_back(*std::move(config));
    } else if (config.status().code() != absl::StatusCode::kUnimplemented) {
      return config.status();
    }
  }
  if (out.empty()) return InvalidField(kField, "no key configuration with a supported KEM");
  return out;
}

ClientResponseContext::~ClientResponseContext() { Wipe(&secret_); }

absl::StatusOr<std::string> ClientResponseContext::DecapsulateResponse(
    absl::string_view encapsulated) const {
  if (encapsulated.size() < kResponseNonceSize + AesGcm::kTagSize) {
    return InvalidField("ohttp.response", "shorter than a nonce and a tag");
  }
  std::string aead_nonce;
  ASSIGN_OR_RETURN(
      AesGcm aead,
      ResponseAead(enc_, secret_, encapsulated.substr(0, kResponseNonceSize), &aead_nonce));
  absl::StatusOr<std::string> plain =
      aead.Decrypt(aead_nonce, encapsulated.substr(kResponseNonceSize), "");
  if (!plain.ok()) {
    return MakeError(absl::StatusCode::kInvalidArgument, "decryption_failed",
                     "ohttp.response: does not authenticate");
  }
  return plain;
}

absl::StatusOr<EncapsulatedRequest> EncapsulateRequest(const KeyConfig& config,
                                                       absl::string_view request) {
  return Encapsulate(config, request, HpkeSenderParams());
}

absl::StatusOr<EncapsulatedRequest> EncapsulateRequestForTesting(
    const KeyConfig& config, absl::string_view request, absl::string_view ephemeral_private_key) {
  HpkeSenderParams params;
  params.ephemeral_private_key = std::string(ephemeral_private_key);
  return Encapsulate(config, request, params);
}

GatewayResponseContext::~GatewayResponseContext() { Wipe(&secret_); }

absl::StatusOr<std::string> GatewayResponseContext::EncapsulateResponse(
    absl::string_view response) const {
  ASSIGN_OR_RETURN(std::string nonce, RandomBytes(kResponseNonceSize));
  return EncapsulateResponseForTesting(response, nonce);
}

absl::StatusOr<std::string> GatewayResponseContext::EncapsulateResponseForTesting(
    absl::string_view response, absl::string_view nonce) const {
  if (nonce.size() != kResponseNonceSize) {
    return InvalidField("ohttp.response_nonce", "must be max(Nn, Nk) bytes");
  }
  std::string aead_nonce;
  ASSIGN_OR_RETURN(AesGcm aead, ResponseAead(enc_, secret_, nonce, &aead_nonce));
  ASSIGN_OR_RETURN(std::string ct, aead.Encrypt(aead_nonce, response, ""));
  return absl::StrCat(nonce, ct);
}

Gateway::~Gateway() {
  for (GatewayKey& k : keys_) Wipe(&k.private_key);
}

absl::StatusOr<Gateway> Gateway::Create(std::vector<GatewayKey> keys) {
  if (keys.empty()) return InvalidField("ohttp.gateway.keys", "empty");
  std::set<uint8_t> ids;
  for (const GatewayKey& k : keys) {
    if (!ids.insert(k.config.key_id).second) {
      return InvalidField("ohttp.gateway.keys", "two keys share one key id");
    }
    RETURN_IF_ERROR(EncodeKeyConfig(k.config).status());
    ASSIGN_OR_RETURN(std::string pk, HpkePublicKeyFromPrivate(static_cast<HpkeKem>(k.config.kem_id),
                                                              k.private_key));
    if (pk != k.config.public_key) {
      return InvalidField("ohttp.gateway.keys", "a private key does not match its config");
    }
  }
  return Gateway(std::move(keys));
}

absl::StatusOr<Gateway> Gateway::Generate(uint8_t key_id) {
  ASSIGN_OR_RETURN(HpkeKeyPair pair, HpkeGenerateKeyPair(HpkeKem::kDhkemX25519HkdfSha256));
  GatewayKey key;
  key.config.key_id = key_id;
  key.config.kem_id = static_cast<uint16_t>(HpkeKem::kDhkemX25519HkdfSha256);
  key.config.public_key = std::move(pair.public_key);
  key.config.algorithms = {
      {static_cast<uint16_t>(HpkeKdf::kHkdfSha256), static_cast<uint16_t>(HpkeAead::kAes128Gcm)}};
  key.private_key = std::move(pair.private_key);
  std::vector<GatewayKey> keys;
  keys.push_back(std::move(key));
  return Create(std::move(keys));
}

absl::StatusOr<std::string> Gateway::EncodedKeyConfigs() const {
  std::vector<KeyConfig> configs;
  for (const GatewayKey& k : keys_) configs.push_back(k.config);
  return EncodeKeyConfigList(configs);
}

absl::StatusOr<DecapsulatedRequest> Gateway::DecapsulateRequest(
    absl::string_view encapsulated) const {
  if (encapsulated.size() < kHeaderSize) return InvalidField("ohttp.request", "no header");
  const uint8_t key_id = static_cast<uint8_t>(encapsulated[0]);
  const uint16_t kem_id = ReadU16(encapsulated, 1);
  const SymmetricAlgorithm algorithm{ReadU16(encapsulated, 3), ReadU16(encapsulated, 5)};
  auto key = std::find_if(keys_.begin(), keys_.end(),
                          [&](const GatewayKey& k) { return k.config.key_id == key_id; });
  if (key == keys_.end() || key->config.kem_id != kem_id || !Supported(algorithm) ||
      std::find(key->config.algorithms.begin(), key->config.algorithms.end(), algorithm) ==
          key->config.algorithms.end()) {
    return MakeError(absl::StatusCode::kNotFound, "ohttp_key_unknown",
                     "ohttp.request: key id, KEM or algorithms not offered by this gateway");
  }
  const size_t nenc = HpkePublicKeySize(static_cast<HpkeKem>(kem_id));
  if (encapsulated.size() < kHeaderSize + nenc + AesGcm::kTagSize) {
    return InvalidField("ohttp.request", "shorter than its enc and a tag");
  }
  const absl::string_view enc = encapsulated.substr(kHeaderSize, nenc);
  ASSIGN_OR_RETURN(HpkeSuite suite, SuiteFor(kem_id, algorithm));
  const std::string info = Info(encapsulated.substr(0, kHeaderSize));
  ASSIGN_OR_RETURN(HpkeRecipientContext ctx,
                   HpkeSetupRecipient(suite, enc, key->private_key, info));
  ASSIGN_OR_RETURN(std::string request, ctx.Open("", encapsulated.substr(kHeaderSize + nenc)));
  ASSIGN_OR_RETURN(std::string secret, ctx.Export(kResponseLabel, kResponseNonceSize));
  DecapsulatedRequest out{std::move(request),
                          GatewayAccess::Make(std::string(enc), std::move(secret))};
  return out;
}

}  // namespace sct::crypto::ohttp
