// The Oblivious HTTP relay's logic (RFC 9458 section 6.2 "Relay"): takes a
// client's message/ohttp-req body and forwards it, alone, to the one gateway
// it serves; hands back the gateway's answer. It sees each client's address
// but only opaque ciphertext; the gateway sees content but only the relay's
// address: nothing of the client (no address, no header, no cookie) is
// forwarded. No HTTP server types here (relay_http.h adapts).
//
// Rate limit: behind OHTTP the mailbox relay sees every client as the
// gateway's one address, so its per-address budgets would throttle all
// clients together. The oblivious relay, the only party that still sees
// client addresses, applies a per-address request budget instead
// (`requests_per_window` per `window`; 0 disables): over it, 429 with
// Retry-After, nothing forwarded.
//
// Answers: the gateway's status, Content-Type and body unchanged; 502 when
// the gateway cannot be reached. Thread-safe if the forwarder is; the
// forwarder and clock are not owned and must outlive the relay.
#ifndef SCT_OHTTP_RELAY_OBLIVIOUS_RELAY_H_
#define SCT_OHTTP_RELAY_OBLIVIOUS_RELAY_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "relay/rate_limiter.h"
#include "runtime/http_forwarder.h"

namespace sct::ohttp_relay {

struct ObliviousRelayOptions {
  int64_t requests_per_window = 600;
  absl::Duration window = absl::Minutes(1);
};

struct RelayAnswer {
  int status = 200;
  std::string content_type;
  std::string body;
  std::string retry_after;  // seconds, set with 429
};

class ObliviousRelay {
 public:
  ObliviousRelay(HttpForwarder* gateway, const Clock* clock, ObliviousRelayOptions options)
      : gateway_(gateway), limiter_(clock, options.requests_per_window, options.window) {}

  // One encapsulated request from `client_address`.
  RelayAnswer Handle(absl::string_view client_address, absl::string_view encapsulated);

 private:
  HttpForwarder* const gateway_;
  relay::RateLimiter limiter_;
};

}  // namespace sct::ohttp_relay

#endif  // SCT_OHTTP_RELAY_OBLIVIOUS_RELAY_H_
