#include "relay/derived/derived_sim_hook.h"

#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/derived_location.h"
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
  state->recorder().RecordEvent(HttpTraceEvent(state, request, response, rpc));

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
