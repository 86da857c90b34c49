#include "relay/derived/derived_sim_hook.h"

#include <set>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/derived_location.h"
#include "common/proto_time.h"
#include "nlohmann/json.hpp"
#include "proto/common/v1/knowledge.pb.h"
#include "relay/sim_http_hook.h"
#include "sim/knowledge.h"

namespace sct::relay::derived {

std::string DerivedRpcName(absl::string_view method, absl::string_view path) {
  if (absl::StartsWith(path, kDerivedPathPrefix) && path.size() > kDerivedPathPrefix.size()) {
    return absl::StrCat("HTTP ", method, " /v1/d/{location}");
  }
  return absl::StrCat("HTTP ", method, " ", path);
}

void RecordDerivedExchange(sim::SimState* state, const HttpRequest& request,
                           const HttpResponse& response) {
  const std::string rpc = DerivedRpcName(request.method, request.path);
  ::common::v1::TraceEvent e;
  const std::string from = request.Header("sct-actor");
  e.set_from(from.empty() ? "http-client" : from);
  e.set_actor_self_declared(!from.empty());
  e.set_to(state->actor_id());
  e.set_rpc(rpc);
  e.set_summary(absl::StrCat("HTTP ", response.status, ", request ", request.body.size(),
                             " B, response ", response.body.size(), " B"));
  ToProto(state->clock().Now(), e.mutable_time());
  ToProto(absl::ZeroDuration(), e.mutable_duration());
  e.set_status_code(HttpStatusCodeName(response.status));
  if (response.status >= 400) {
    nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
    if (!body.is_discarded() && body.is_object() && body.contains("error") &&
        body["error"].is_object() && body["error"].contains("code") &&
        body["error"]["code"].is_string()) {
      e.set_reason(body["error"]["code"].get<std::string>());
    }
  }
  e.set_step_id(request.Header("sct-step"));
  state->recorder().RecordEvent(std::move(e));

  sim::Recorder* recorder = &state->recorder();
  if (!recorder->has_audit_key()) return;
  absl::string_view path = request.path;
  // The caller's address, seen together with the location and the body (the
  // linkability audit; under direct-transfer it is what the proximity link
  // learns of who is in the room).
  std::set<std::string> together;
  sim::ObserveValue(recorder, ::common::v1::CLIENT_ADDRESS,
                    sim::ClientAddressOf(request.remote_addr), false, rpc, &together);
  if (absl::StartsWith(path, kDerivedPathPrefix) && path.size() > kDerivedPathPrefix.size()) {
    sim::ObserveValue(recorder, ::common::v1::MAILBOX_ID, path.substr(kDerivedPathPrefix.size()),
                      false, rpc, &together);
  }
  for (const auto& [name, value] : request.headers) {
    sim::ObserveValue(recorder, ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED, value, true, rpc,
                      &together);
  }
  if (!request.body.empty()) {
    sim::ObserveValue(recorder, ::common::v1::CIPHERTEXT, request.body, false, rpc, &together);
  }
  if (response.status == 200 && !response.body.empty()) {
    sim::ObserveValue(recorder, ::common::v1::CIPHERTEXT, response.body, false, rpc, &together);
  }
  recorder->ObserveTogether(together, rpc);
}

}  // namespace sct::relay::derived
