#include "ohttp_relay/relay_http.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/errors.h"
#include "common/status_mapping.h"
#include "crypto/ohttp.h"

namespace sct::ohttp_relay {
namespace {

void Error(int status, const absl::Status& error, relay::HttpResponse& response) {
  response.status = status;
  response.SetContent(ToHttpErrorBody(error), "application/json");
}

}  // namespace

void HandleRelayHttp(ObliviousRelay& relay, const relay::HttpRequest& request,
                     relay::HttpResponse& response) {
  if (request.path != kRelayPath) {
    return Error(404, MakeError(absl::StatusCode::kNotFound, "not_found", "no such resource"),
                 response);
  }
  if (request.method != "POST") return Error(405, InvalidField("method", "POST only"), response);
  const std::string content_type = request.Header("Content-Type");
  absl::string_view type = content_type;
  type = absl::StripAsciiWhitespace(type.substr(0, type.find(';')));
  if (!absl::EqualsIgnoreCase(type, crypto::ohttp::kRequestMediaType)) {
    return Error(415, InvalidField("Content-Type", "must be message/ohttp-req"), response);
  }
  RelayAnswer answer = relay.Handle(request.remote_addr, request.body);
  response.status = answer.status;
  response.SetContent(std::move(answer.body), std::move(answer.content_type));
  if (!answer.retry_after.empty()) response.SetHeader("Retry-After", answer.retry_after);
}

}  // namespace sct::ohttp_relay
