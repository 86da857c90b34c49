// The derived-locations relay's logic (draft-rescorla-tigress-http-00
// section 6): a dropbox of opaque messages at locations the clients derive
// from their shared secret. No transport types here; derived_relay_http.h
// is the HTTP face.
//
// Operations, each on one location (common/derived_location.h checks its
// form; the relay never chooses one):
//   Put     stores a message until now + ttl. First write wins: a second
//           Put to an occupied location is ALREADY_EXISTS
//           "location_occupied" (nobody, not even a party who knows the
//           secret, can replace a stored message).
//   Get     returns the message without removing it (the draft's receiver
//           then DELETEs explicitly, so that a lost answer loses nothing).
//   Delete  removes it.
// There is no listing, no claim, no id the relay picks, no link between two
// locations: what the relay learns is each location, the message sizes and
// times, and the client address (docs/variants/derived-locations.md).
//
// Limits (DerivedRelayLimits): message size (RESOURCE_EXHAUSTED
// "payload_too_large"), and failed lookups (Get or Delete of an empty
// location) per client per window, against location guessing
// (RESOURCE_EXHAUSTED "rate_limited"; the client is then refused every
// lookup until the window ends).
//
// In proximity mode (DerivedRelayLimits::in_range) the server stands for the
// radio link between handsets in one room rather than for a relay: a client
// whose address is not in range is refused every operation with UNAVAILABLE
// "peer_out_of_range" before anything else is looked at.
//
// Errors: INVALID_ARGUMENT "invalid_field" (field "location" or "message"),
// NOT_FOUND "message_not_found", ALREADY_EXISTS "location_occupied", the
// limits above, UNAVAILABLE "store_unavailable" from the store.
//
// Thread-safety: thread-safe. The store and clock are not owned and must
// outlive the service.
#ifndef SCT_RELAY_DERIVED_DERIVED_RELAY_SERVICE_H_
#define SCT_RELAY_DERIVED_DERIVED_RELAY_SERVICE_H_

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "relay/derived/derived_store.h"
#include "relay/rate_limiter.h"

namespace sct::relay::derived {

struct DerivedRelayLimits {
  absl::Duration ttl = absl::Hours(48);  // how long an unread message is kept
  size_t max_message_bytes = 64 * 1024;
  int64_t failed_lookups_per_window = 60;  // <= 0: unlimited
  absl::Duration rate_window = absl::Minutes(1);
  // Proximity mode (the direct-transfer variant, docs/variants/
  // direct-transfer.md): when non-empty, the IPv4 client addresses of the
  // devices within range; any other client is refused. Empty: everyone.
  std::set<std::string> in_range;
};

// INVALID_ARGUMENT naming the limit when a value is out of range (ttl
// positive and at most 30 days, message size 1 byte..16 MiB, window positive,
// every in_range entry an IPv4 address).
absl::Status CheckLimits(const DerivedRelayLimits& limits);

class DerivedRelayService {
 public:
  DerivedRelayService(DerivedStore* store, const Clock* clock, DerivedRelayLimits limits);

  // `client` is the rate-limit key (the client address).
  absl::Status Put(absl::string_view location, std::string message, const std::string& client);
  absl::StatusOr<std::string> Get(absl::string_view location, const std::string& client);
  absl::Status Delete(absl::string_view location, const std::string& client);
  // Removes expired messages; returns how many.
  absl::StatusOr<int64_t> SweepExpired();

  const DerivedRelayLimits& limits() const { return limits_; }

 private:
  // peer_out_of_range in proximity mode when `client` is not in range.
  absl::Status CheckInRange(const std::string& client) const;
  // rate_limited when `client` spent its failed-lookup budget.
  absl::Status CheckLookupBudget(const std::string& client);
  // Counts a NOT_FOUND answer against `client`; returns `status`.
  absl::Status CountFailure(const absl::Status& status, const std::string& client);

  DerivedStore* const store_;
  const Clock* const clock_;
  const DerivedRelayLimits limits_;
  RateLimiter failed_lookups_;
};

}  // namespace sct::relay::derived

#endif  // SCT_RELAY_DERIVED_DERIVED_RELAY_SERVICE_H_
