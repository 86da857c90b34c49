#include "oem_server/challenges.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "crypto/hmac.h"
#include "crypto/random.h"

namespace sct::oem {
namespace {

constexpr size_t kExpirySize = 8;
constexpr size_t kRandomSize = 8;
constexpr size_t kBodySize = kExpirySize + kRandomSize;
constexpr size_t kTagSize = Challenges::kNonceSize - kBodySize;
constexpr size_t kKeySize = 32;
constexpr absl::string_view kDomain("sct-oem-challenge-v1\0", 21);

std::string EncodeMicros(int64_t micros) {
  std::string out(kExpirySize, '\0');
  uint64_t v = static_cast<uint64_t>(micros);
  for (int i = kExpirySize - 1; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

int64_t DecodeMicros(absl::string_view bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < kExpirySize; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  return static_cast<int64_t>(v);
}

absl::Status Unknown(absl::string_view why) {
  return MakeError(absl::StatusCode::kPermissionDenied, "unknown_challenge", why);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Challenges>> Challenges::Create(const Clock& clock,
                                                               ChallengeOptions options) {
  ASSIGN_OR_RETURN(std::string key, crypto::RandomBytes(kKeySize));
  return std::unique_ptr<Challenges>(new Challenges(clock, options, std::move(key)));
}

absl::StatusOr<std::string> Challenges::Tag(absl::string_view body) const {
  ASSIGN_OR_RETURN(std::string mac, crypto::HmacSha256(key_, absl::StrCat(kDomain, body)));
  return mac.substr(0, kTagSize);
}

absl::StatusOr<Challenges::Issued> Challenges::Issue() const {
  const int64_t expires_micros = absl::ToUnixMicros(clock_.Now() + options_.ttl);
  ASSIGN_OR_RETURN(std::string random, crypto::RandomBytes(kRandomSize));
  std::string body = EncodeMicros(expires_micros) + random;
  ASSIGN_OR_RETURN(std::string tag, Tag(body));
  return Issued{body + tag, absl::FromUnixMicros(expires_micros)};
}

absl::Status Challenges::Consume(absl::string_view nonce, absl::string_view field) {
  if (nonce.size() != kNonceSize) {
    return InvalidField(field, absl::StrCat("must be ", kNonceSize, " bytes"));
  }
  const absl::string_view body = nonce.substr(0, kBodySize);
  if (!crypto::HmacSha256Verify(key_, absl::StrCat(kDomain, body), nonce.substr(kBodySize)).ok()) {
    return Unknown("unknown challenge nonce");
  }
  const absl::Time expires = absl::FromUnixMicros(DecodeMicros(body));
  const absl::Time now = clock_.Now();
  if (expires <= now) return Unknown("challenge nonce expired");
  // Only after the clock moved back: refuse rather than keep it longer.
  if (expires > now + options_.ttl) return Unknown("challenge nonce not yet valid");

  absl::MutexLock lock(&mu_);
  for (size_t swept = 0; swept < options_.sweep_batch && !used_.empty(); ++swept) {
    if (used_.begin()->first > now) break;
    ++visited_;
    used_.erase(used_.begin());
  }
  ++visited_;
  auto key = std::make_pair(expires, std::string(nonce));
  if (used_.count(key) != 0) return Unknown("challenge nonce already used");
  if (used_.size() >= options_.max_used) {
    return MakeError(absl::StatusCode::kResourceExhausted, "too_many_challenges",
                     "too many challenges answered recently; retry later");
  }
  used_.insert(std::move(key));
  return absl::OkStatus();
}

size_t Challenges::used_size() const {
  absl::MutexLock lock(&mu_);
  return used_.size();
}

uint64_t Challenges::entries_visited() const {
  absl::MutexLock lock(&mu_);
  return visited_;
}

}  // namespace sct::oem
