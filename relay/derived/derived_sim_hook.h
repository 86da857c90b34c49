// The derived relay's HTTP face under --sim_control: one TraceEvent and the
// knowledge observations of each exchange (docs/sim.md), so that the
// knowledge audit can say what this relay learns.
//
// Trace: from = the `sct-actor` header (self-declared), else "http-client";
// rpc "HTTP <METHOD> /v1/d/{location}" (the location is never in a trace
// line); summary = status and body sizes; reason = the JSON error code;
// step_id = the `sct-step` header.
// Observations (where = the rpc): the location as MAILBOX_ID (it is what
// names a message here), the request and response bodies as CIPHERTEXT,
// every request header value.
//
// Thread-safe (all state is in the SimState).
#ifndef SCT_RELAY_DERIVED_DERIVED_SIM_HOOK_H_
#define SCT_RELAY_DERIVED_DERIVED_SIM_HOOK_H_

#include <string>

#include "absl/strings/string_view.h"
#include "relay/http_message.h"
#include "sim/sim_state.h"

namespace sct::relay::derived {

// "HTTP PUT /v1/d/{location}" for a path under /v1/d/, else "HTTP PUT <path>".
std::string DerivedRpcName(absl::string_view method, absl::string_view path);

void RecordDerivedExchange(sim::SimState* state, const HttpRequest& request,
                           const HttpResponse& response);

}  // namespace sct::relay::derived

#endif  // SCT_RELAY_DERIVED_DERIVED_SIM_HOOK_H_
