// The relay's HTTP face under --sim_control: one TraceEvent and the
// observations of each HTTP exchange . Install it with
// RelayHttpServer::set_exchange_hook (relay/relay_http.h).
//
// Trace: from = the `sct-actor` request header, else "http-client"; to = the
// actor id; rpc "HTTP <METHOD> <path>" with a mailbox id replaced by "{id}"
// ("HTTP POST /v1/m/{id}"); summary = status and body sizes; status_code =
// the canonical gRPC name of the HTTP status (200/201 "OK", 404
// "NOT_FOUND", ...); reason = the JSON error body's "code"; step_id = the
// `sct-step` header; duration is not measured (0).
// Observations (where = the rpc): the remote address (CLIENT_ADDRESS), each
// path segment (the id as MAILBOX_ID), every request header value, and every
// JSON string value of the request and response bodies (payload.data as
// CIPHERTEXT, tokenData as PUSH_TOKEN); and one CoObservation of all of them
// together.
//
// Thread-safe (all state is in the SimState).
#ifndef SCT_RELAY_SIM_HTTP_HOOK_H_
#define SCT_RELAY_SIM_HTTP_HOOK_H_

#include <string>

#include "absl/strings/string_view.h"
#include "proto/common/v1/audit.pb.h"
#include "relay/http_message.h"
#include "sim/sim_state.h"

namespace sct::relay {

// "HTTP POST /v1/m/{id}" for method "POST", path "/v1/m/<anything>".
std::string HttpRpcName(absl::string_view method, absl::string_view path);

// Canonical gRPC code name for an HTTP status ("OK" for 1xx-3xx).
std::string HttpStatusCodeName(int http_status);

// The trace event of one HTTP exchange under `rpc`: caller (the
// self-declared Sct-Actor header, else "http-client"), status as a gRPC code
// name, the error body's code as reason, the Sct-Step header; sizes only.
::common::v1::TraceEvent HttpTraceEvent(sim::SimState* state, const HttpRequest& request,
                                        const HttpResponse& response, absl::string_view rpc);

void RecordHttpExchange(sim::SimState* state, const HttpRequest& request,
                        const HttpResponse& response);

}  // namespace sct::relay

#endif  // SCT_RELAY_SIM_HTTP_HOOK_H_
