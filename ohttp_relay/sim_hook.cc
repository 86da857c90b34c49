#include "ohttp_relay/sim_hook.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "relay/sim_http_hook.h"
#include "sim/knowledge.h"

namespace sct::ohttp_relay {

void RecordRelayExchange(sim::SimState* state, const relay::HttpRequest& request,
                         const relay::HttpResponse& response) {
  const std::string rpc = absl::StrCat("HTTP ", request.method, " ", request.path);
  ::common::v1::TraceEvent e;
  e.set_from("http-client");
  e.set_to(state->actor_id());
  e.set_rpc(rpc);
  e.set_summary(absl::StrCat("HTTP ", response.status, " from ", request.remote_addr, ", request ",
                             request.body.size(), " B, response ", response.body.size(), " B"));
  ToProto(state->clock().Now(), e.mutable_time());
  ToProto(absl::ZeroDuration(), e.mutable_duration());
  e.set_status_code(relay::HttpStatusCodeName(response.status));
  state->recorder().RecordEvent(std::move(e));
  sim::Recorder* recorder = &state->recorder();
  if (!recorder->has_audit_key()) return;
  // The client's address and the opaque bodies, seen together: the address
  // is what the oblivious relay can link, the bodies carry nothing it can
  // open.
  std::set<std::string> together;
  sim::ObserveValue(recorder, ::common::v1::CLIENT_ADDRESS,
                    sim::ClientAddressOf(request.remote_addr), false, rpc, &together);
  sim::ObserveValue(recorder, ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED, request.body, false, rpc,
                    &together);
  sim::ObserveValue(recorder, ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED, response.body, false, rpc,
                    &together);
  recorder->ObserveTogether(together, rpc);
}

}  // namespace sct::ohttp_relay
