#include "ohttp_gateway/gateway_service.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_mapping.h"

namespace sct::ohttp_gateway {
namespace {

// Fields the hop to the target sets itself, or that must not cross it.
bool IsHopField(absl::string_view name) {
  static constexpr absl::string_view kHop[] = {
      "connection", "keep-alive",     "proxy-connection", "transfer-encoding", "te", "upgrade",
      "host",       "content-length", "trailer"};
  for (absl::string_view h : kHop) {
    if (absl::EqualsIgnoreCase(name, h)) return true;
  }
  return false;
}

bhttp::Response ErrorResponse(const absl::Status& status) {
  bhttp::Response r;
  r.status = ToHttpStatus(status);
  r.headers = {{"content-type", "application/json"}};
  r.content = ToHttpErrorBody(status);
  return r;
}

GatewayAnswer Plain(int status, std::string content_type, std::string body) {
  return GatewayAnswer{status, std::move(content_type), std::move(body)};
}

}  // namespace

bhttp::Response GatewayService::Forward(absl::string_view inner,
                                        GatewayObservation* observed) const {
  absl::StatusOr<bhttp::Request> request = bhttp::DecodeRequest(inner, options_.limits);
  if (!request.ok()) {
    observed->error_reason = ReasonOf(request.status());
    return ErrorResponse(request.status());
  }
  relay::HttpRequest& seen = observed->inner_request;
  seen.method = request->method;
  seen.target = request->path;
  seen.path = request->path.substr(0, request->path.find('?'));
  seen.query =
      seen.path.size() < request->path.size() ? request->path.substr(seen.path.size() + 1) : "";
  seen.version = "HTTP/1.1";
  for (const bhttp::Field& f : request->headers) seen.headers.emplace_back(f.name, f.value);
  seen.body = request->content;
  if (!request->authority.empty() &&
      !absl::EqualsIgnoreCase(request->authority, options_.target_authority)) {
    const absl::Status refused =
        MakeError(absl::StatusCode::kPermissionDenied, "ohttp_target_refused",
                  "bhttp.authority: this gateway forwards only to its mailbox relay");
    observed->error_reason = ReasonOf(refused);
    return ErrorResponse(refused);
  }
  ForwardRequest out;
  out.method = request->method;
  out.path = request->path;
  out.body = std::move(request->content);
  for (bhttp::Field& f : request->headers) {
    if (!IsHopField(f.name)) out.headers.emplace_back(std::move(f.name), std::move(f.value));
  }
  absl::StatusOr<ForwardResponse> answer = target_->Send(out);
  if (!answer.ok()) {
    observed->error_reason = ReasonOf(answer.status());
    return ErrorResponse(answer.status());
  }
  bhttp::Response r;
  r.status = answer->status;
  if (r.status < 200 || r.status > 599) {
    return ErrorResponse(MakeError(absl::StatusCode::kInternal, "bad_upstream_response",
                                   "the target answered an unusable status"));
  }
  for (auto& [name, value] : answer->headers) {
    if (IsHopField(name)) continue;
    r.headers.push_back({absl::AsciiStrToLower(name), std::move(value)});
  }
  r.content = std::move(answer->body);
  observed->inner_response.status = r.status;
  for (const bhttp::Field& f : r.headers)
    observed->inner_response.headers.emplace_back(f.name, f.value);
  observed->inner_response.body = r.content;
  return r;
}

GatewayAnswer GatewayService::Handle(absl::string_view encapsulated,
                                     GatewayObservation* observed) const {
  GatewayObservation ignored;
  if (observed == nullptr) observed = &ignored;
  absl::StatusOr<crypto::ohttp::DecapsulatedRequest> opened =
      keys_.DecapsulateRequest(encapsulated);
  if (!opened.ok()) {
    observed->error_reason = ReasonOf(opened.status());
    if (opened.status().code() == absl::StatusCode::kNotFound) {
      return Plain(400, "application/problem+json",
                   absl::StrCat("{\"type\":\"", crypto::ohttp::kKeyProblemType,
                                "\",\"title\":\"key identifier unknown\"}"));
    }
    return Plain(400, "application/json", ToHttpErrorBody(opened.status()));
  }
  bhttp::Response inner = Forward(opened->request, observed);
  absl::StatusOr<std::string> encoded = bhttp::EncodeResponse(inner);
  if (!encoded.ok()) {
    // A target header the encoder refuses (e.g. an upper-case or odd name
    // that survived lower-casing): answer the error instead, sealed.
    encoded = bhttp::EncodeResponse(ErrorResponse(encoded.status()));
  }
  absl::StatusOr<std::string> sealed =
      encoded.ok() ? opened->context.EncapsulateResponse(*encoded) : encoded.status();
  if (!sealed.ok()) return Plain(500, "application/json", ToHttpErrorBody(sealed.status()));
  return Plain(200, crypto::ohttp::kResponseMediaType, *std::move(sealed));
}

}  // namespace sct::ohttp_gateway
