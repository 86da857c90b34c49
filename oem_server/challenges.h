// The OEM's enrolment and key-attestation challenges: stateless nonces with
// single use enforced by a bounded seen-set.
//
// A nonce is 32 bytes: expiry (8 bytes, big-endian microseconds since the
// Unix epoch) || 8 random bytes || the first 16 bytes of
// HMAC-SHA256(server key, "sct-oem-challenge-v1\0" || expiry || random).
// Issuing stores nothing, so an unauthenticated client asking for challenges
// costs one HMAC per call and no memory. The server key is 32 random bytes
// made at construction and never leaves memory: a restart invalidates
// outstanding challenges, which devices re-request.
//
// Consume checks length, tag and expiry, then records the nonce in a seen-set
// ordered by (expiry, nonce), so that it is accepted at most once — even when
// the proof it was meant for then fails. Each Consume first erases at most
// `sweep_batch` expired entries from the front of that set; a nonce is never
// erased before it expires, so an erased nonce cannot be replayed. The set
// holds at most `max_used` entries (only nonces that were valid and unexpired
// when consumed); when full, Consume answers RESOURCE_EXHAUSTED until entries
// expire.
//
// Work per call is bounded: Issue touches no shared state; Consume visits at
// most sweep_batch + 1 entries plus an O(log n) lookup. entries_visited()
// counts those visits (tests and benchmarks read it).
//
// Errors (stable reasons): Consume: INVALID_ARGUMENT "invalid_field" (wrong
// length; message names `field`), PERMISSION_DENIED "unknown_challenge"
// (forged, expired, from the future or already used), RESOURCE_EXHAUSTED
// "too_many_challenges"; Create/Issue: INTERNAL with OpenSSL's text.
//
// Thread-safety: thread-safe (one mutex, held only for the seen-set).
// Ownership: the clock is not owned and must outlive the object.
#ifndef SCT_OEM_SERVER_CHALLENGES_H_
#define SCT_OEM_SERVER_CHALLENGES_H_

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace sct::oem {

struct ChallengeOptions {
  absl::Duration ttl = absl::Minutes(5);
  size_t max_used = 100000;  // seen-set capacity
  size_t sweep_batch = 64;   // expired entries erased per Consume, at most
};

class Challenges {
 public:
  inline static constexpr size_t kNonceSize = 32;

  struct Issued {
    std::string nonce;
    absl::Time expires_at;
  };

  static absl::StatusOr<std::unique_ptr<Challenges>> Create(const Clock& clock,
                                                            ChallengeOptions options);
  Challenges(const Challenges&) = delete;
  Challenges& operator=(const Challenges&) = delete;

  absl::StatusOr<Issued> Issue() const;
  // Accepts `nonce` once if this server issued it and it has not expired.
  absl::Status Consume(absl::string_view nonce, absl::string_view field);

  size_t used_size() const;
  uint64_t entries_visited() const;

 private:
  Challenges(const Clock& clock, ChallengeOptions options, std::string key)
      : clock_(clock), options_(options), key_(std::move(key)) {}
  absl::StatusOr<std::string> Tag(absl::string_view body) const;

  const Clock& clock_;
  const ChallengeOptions options_;
  const std::string key_;

  mutable absl::Mutex mu_;
  std::set<std::pair<absl::Time, std::string>> used_ ABSL_GUARDED_BY(mu_);
  uint64_t visited_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sct::oem

#endif  // SCT_OEM_SERVER_CHALLENGES_H_
