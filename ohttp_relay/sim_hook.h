// The oblivious relay under --sim_control: one TraceEvent and the
// observations of each exchange. What it can know is what it records: the
// client's address (untokenized) and the opaque message/ohttp-req and
// message/ohttp-res bodies (unclassified: they are no mailbox ciphertext the
// engine knows); the inner request is never visible here. Trace: from
// "http-client" (the client's simulator headers travel sealed), to the actor
// id, rpc "HTTP POST /relay", the status and sizes.
//
// Thread-safe (all state is in the SimState).
#ifndef SCT_OHTTP_RELAY_SIM_HOOK_H_
#define SCT_OHTTP_RELAY_SIM_HOOK_H_

#include "relay/http_message.h"
#include "sim/sim_state.h"

namespace sct::ohttp_relay {

void RecordRelayExchange(sim::SimState* state, const relay::HttpRequest& request,
                         const relay::HttpResponse& response);

}  // namespace sct::ohttp_relay

#endif  // SCT_OHTTP_RELAY_SIM_HOOK_H_
