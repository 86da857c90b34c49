// Storage of the derived-locations relay (draft-rescorla-tigress-http-00,
// docs/derived-relay.md): one opaque message per location, nothing else.
//
// A location is the canonical text of a location the clients derived from
// their shared secret (derived_location.h): the store never sees or chooses
// an id, and holds no claim, no party, no link between two locations.
//
// Semantics every implementation keeps (derived_store_conformance.h):
//   Put     first write wins: ALREADY_EXISTS "location_occupied" when an
//           unexpired message is already there (an expired one is replaced);
//   Get     NOT_FOUND "message_not_found" when absent or expired at `now`;
//   Delete  NOT_FOUND "message_not_found" likewise; removes the message;
//   SweepExpired removes what expired at or before `now`, returns the count.
// A method that returns OK has made its change durable for a durable store
// (SQLite: committed and synced).
//
// Thread-safety: implementations are thread-safe. Errors besides those
// above: UNAVAILABLE "store_unavailable" when the backing storage fails.
#ifndef SCT_RELAY_DERIVED_DERIVED_STORE_H_
#define SCT_RELAY_DERIVED_DERIVED_STORE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace sct::relay::derived {

struct DerivedMessage {
  std::string body;  // opaque bytes (the clients' encrypted message)
  absl::Time stored_at;
  absl::Time expires_at;
};

class DerivedStore {
 public:
  virtual ~DerivedStore() = default;

  virtual absl::Status Put(const std::string& location, const DerivedMessage& message,
                           absl::Time now) = 0;
  virtual absl::StatusOr<DerivedMessage> Get(const std::string& location, absl::Time now) = 0;
  virtual absl::Status Delete(const std::string& location, absl::Time now) = 0;
  virtual absl::StatusOr<int64_t> SweepExpired(absl::Time now) = 0;
  // Messages stored, expired or not (tests and the start-up description).
  virtual absl::StatusOr<int64_t> Count() = 0;
};

}  // namespace sct::relay::derived

#endif  // SCT_RELAY_DERIVED_DERIVED_STORE_H_
