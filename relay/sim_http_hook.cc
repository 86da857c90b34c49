#include "relay/sim_http_hook.h"

#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "sim/knowledge.h"
#include "common/proto_time.h"
#include "nlohmann/json.hpp"

namespace sct::relay {

using sim::ObserveValue;
using sim::Recorder;
using sim::SimState;
namespace {

using ::common::v1::KnowledgeItem;
constexpr absl::string_view kItemPrefix = "/v1/m/";

void ObserveJson(Recorder* recorder, const nlohmann::json& value, const std::string& parent,
                 const std::string& key, const std::string& where, int depth,
                 std::set<std::string>* together) {
  if (depth > 32) return;
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (parent == "payload" && key == "data") {
      ObserveValue(recorder, ::common::v1::CIPHERTEXT, s, /*tokenize=*/false, where, together);
    } else if (key == "tokenData") {
      ObserveValue(recorder, ::common::v1::PUSH_TOKEN, s, true, where, together);
    } else {
      ObserveValue(recorder, ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED, s, true, where, together);
    }
  } else if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      ObserveJson(recorder, it.value(), key, it.key(), where, depth + 1, together);
    }
  } else if (value.is_array()) {
    for (const auto& v : value) ObserveJson(recorder, v, parent, key, where, depth + 1, together);
  }
}

void ObserveBody(Recorder* recorder, const std::string& body, const std::string& where,
                 std::set<std::string>* together) {
  if (body.empty()) return;
  nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return;  // not JSON (e.g. the HTML preview)
  ObserveJson(recorder, json, "", "", where, 0, together);
}

}  // namespace

std::string HttpRpcName(absl::string_view method, absl::string_view path) {
  if (absl::StartsWith(path, kItemPrefix) && path.size() > kItemPrefix.size()) {
    return absl::StrCat("HTTP ", method, " /v1/m/{id}");
  }
  return absl::StrCat("HTTP ", method, " ", path);
}

std::string HttpStatusCodeName(int s) {
  if (s < 400) return "OK";
  switch (s) {
    case 400: return "INVALID_ARGUMENT";
    case 401: return "UNAUTHENTICATED";
    case 403: return "PERMISSION_DENIED";
    case 404: return "NOT_FOUND";
    case 405: return "UNIMPLEMENTED";
    case 409: return "ALREADY_EXISTS";
    case 413:
    case 429: return "RESOURCE_EXHAUSTED";
    case 499: return "CANCELLED";
    case 501: return "UNIMPLEMENTED";
    case 503: return "UNAVAILABLE";
    case 504: return "DEADLINE_EXCEEDED";
    default: return s < 500 ? "INVALID_ARGUMENT" : "INTERNAL";
  }
}

::common::v1::TraceEvent HttpTraceEvent(SimState* state, const HttpRequest& request,
                                        const HttpResponse& response, absl::string_view rpc) {
  ::common::v1::TraceEvent e;
  std::string from = request.Header("sct-actor");
  e.set_from(from.empty() ? "http-client" : from);
  // The HTTP face takes no client certificate: a named caller is only ever self-declared.
  e.set_actor_self_declared(!from.empty());
  e.set_to(state->actor_id());
  e.set_rpc(std::string(rpc));
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
  return e;
}

void RecordHttpExchange(SimState* state, const HttpRequest& request,
                        const HttpResponse& response) {
  const std::string rpc = HttpRpcName(request.method, request.path);
  state->recorder().RecordEvent(HttpTraceEvent(state, request, response, rpc));

  Recorder* recorder = &state->recorder();
  if (!recorder->has_audit_key()) return;
  absl::string_view path = request.path;
  std::set<std::string> together;
  ObserveValue(recorder, ::common::v1::CLIENT_ADDRESS, sim::ClientAddressOf(request.remote_addr),
               false, rpc, &together);
  if (absl::StartsWith(path, kItemPrefix) && path.size() > kItemPrefix.size()) {
    ObserveValue(recorder, ::common::v1::MAILBOX_ID, path.substr(kItemPrefix.size()), false, rpc,
                 &together);
  }
  for (absl::string_view segment : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    ObserveValue(recorder, ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED, segment, false, rpc,
                 &together);
  }
  for (const auto& [name, value] : request.headers) {
    ObserveValue(recorder, ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED, value, true, rpc, &together);
  }
  ObserveBody(recorder, request.body, rpc, &together);
  ObserveBody(recorder, response.body, rpc, &together);
  recorder->ObserveTogether(together, rpc);
}

}  // namespace sct::relay
