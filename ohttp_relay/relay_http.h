// The oblivious relay's HTTP face (adapter): POST /relay with a
// message/ohttp-req body -> ObliviousRelay::Handle, keyed on the TCP peer's
// address. 404 for another path, 405 for another method, 415 for another
// Content-Type. Runs on relay/bounded_http_server.
//
// Thread-safety: as ObliviousRelay. No ownership.
#ifndef SCT_OHTTP_RELAY_RELAY_HTTP_H_
#define SCT_OHTTP_RELAY_RELAY_HTTP_H_

#include "ohttp_relay/oblivious_relay.h"
#include "relay/http_message.h"

namespace sct::ohttp_relay {

inline constexpr char kRelayPath[] = "/relay";

void HandleRelayHttp(ObliviousRelay& relay, const relay::HttpRequest& request,
                     relay::HttpResponse& response);

}  // namespace sct::ohttp_relay

#endif  // SCT_OHTTP_RELAY_RELAY_HTTP_H_
