#include "ohttp_gateway/gateway_http.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/errors.h"
#include "common/status_mapping.h"
#include "crypto/ohttp.h"

namespace sct::ohttp_gateway {
namespace {

void Error(int status, const absl::Status& error, relay::HttpResponse& response) {
  response.status = status;
  response.SetContent(ToHttpErrorBody(error), "application/json");
}

bool IsMediaType(const std::string& content_type, absl::string_view want) {
  absl::string_view type = content_type;
  type = type.substr(0, type.find(';'));
  return absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(type), want);
}

}  // namespace

void HandleGatewayHttp(const GatewayService& service, const relay::HttpRequest& request,
                       relay::HttpResponse& response, GatewayObservation* observed) {
  if (request.path == kKeysPath) {
    if (request.method != "GET") {
      return Error(405, InvalidField("method", "GET only"), response);
    }
    absl::StatusOr<std::string> keys = service.KeyConfigs();
    if (!keys.ok()) return Error(500, keys.status(), response);
    response.status = 200;
    response.SetContent(*std::move(keys), crypto::ohttp::kKeysMediaType);
    response.SetHeader("Cache-Control", "max-age=3600");
    return;
  }
  if (request.path != kGatewayPath) {
    return Error(404, MakeError(absl::StatusCode::kNotFound, "not_found", "no such resource"),
                 response);
  }
  if (request.method != "POST") return Error(405, InvalidField("method", "POST only"), response);
  if (!IsMediaType(request.Header("Content-Type"), crypto::ohttp::kRequestMediaType)) {
    return Error(415, InvalidField("Content-Type", "must be message/ohttp-req"), response);
  }
  GatewayAnswer answer = service.Handle(request.body, observed);
  response.status = answer.status;
  response.SetContent(std::move(answer.body), std::move(answer.content_type));
}

}  // namespace sct::ohttp_gateway
