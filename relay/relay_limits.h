// The limits the relay sets where draft-vinokurov-tigress-http-00 sets none
// (docs/relay.md, "Limits the drafts leave open"): lifetimes, sizes and the
// per-client rates. A plain value; the binary fills it from its flags.
#ifndef SCT_RELAY_RELAY_LIMITS_H_
#define SCT_RELAY_RELAY_LIMITS_H_

#include <cstddef>
#include <cstdint>

#include "absl/time/time.h"

namespace sct::relay {

struct RelayLimits {
  absl::Duration default_ttl = absl::Hours(48);
  absl::Duration max_ttl = absl::Hours(24 * 7);
  size_t max_payload_bytes = 64 * 1024;  // raw bytes of payload.data
  size_t max_title_bytes = 256;
  size_t max_description_bytes = 1024;
  size_t max_image_url_bytes = 2048;
  size_t max_token_bytes = 4096;  // notificationToken.tokenData
  size_t max_attestation_bytes = 16 * 1024;
  // Mailboxes one client address may create per window.
  int64_t creates_per_window = 600;
  // Lookups of unknown ids one client address may make per window (guessing).
  int64_t failed_lookups_per_window = 60;
  absl::Duration rate_window = absl::Minutes(1);
  // The in-memory delete log (memory and sqlite stores; shared_limits.h
  // LocalDeleteLog): how long a delete is recognised when repeated, and how
  // many are kept at most.
  absl::Duration delete_log_retention = absl::Minutes(10);
  size_t delete_log_capacity = size_t{1} << 16;
};

}  // namespace sct::relay

#endif  // SCT_RELAY_RELAY_LIMITS_H_
