#include "relay/derived/derived_relay_http.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/derived_location.h"
#include "common/errors.h"
#include "common/status_mapping.h"

namespace sct::relay::derived {
namespace {

constexpr char kOctetStream[] = "application/octet-stream";

void AnswerStatus(const absl::Status& status, HttpResponse& res) {
  res.status = ToHttpStatus(status);
  res.SetContent(ToHttpErrorBody(status), "application/json");
  if (ReasonOf(status) == "rate_limited") res.SetHeader("Retry-After", "60");
  if (status.code() == absl::StatusCode::kUnavailable) res.SetHeader("Retry-After", "1");
}

void AnswerLocation(DerivedRelayService& service, const std::string& location,
                    const HttpRequest& req, HttpResponse& res) {
  res.SetHeader("Cache-Control", "no-store");
  if (req.method == "PUT") {
    absl::Status put = service.Put(location, req.body, req.remote_addr);
    if (!put.ok()) return AnswerStatus(put, res);
    res.status = 201;
    return;
  }
  if (req.method == "GET") {
    absl::StatusOr<std::string> message = service.Get(location, req.remote_addr);
    if (!message.ok()) return AnswerStatus(message.status(), res);
    res.status = 200;
    res.SetContent(*std::move(message), kOctetStream);
    return;
  }
  if (req.method == "DELETE") {
    absl::Status deleted = service.Delete(location, req.remote_addr);
    if (!deleted.ok()) return AnswerStatus(deleted, res);
    res.status = 204;
    return;
  }
  AnswerStatus(MakeError(absl::StatusCode::kInvalidArgument, "method_not_allowed",
                         absl::StrCat("method ", req.method, " is not served on a location")),
               res);
  res.status = 405;
  res.SetHeader("Allow", "GET, PUT, DELETE");
}

}  // namespace

void HandleDerivedRequest(DerivedRelayService& service, const HttpRequest& req, HttpResponse& res) {
  if (req.path == "/healthz" && req.method == "GET") {
    res.status = 200;
    res.SetContent("ok\n", "text/plain");
    return;
  }
  if (absl::StartsWith(req.path, kDerivedPathPrefix) &&
      req.path.size() > kDerivedPathPrefix.size()) {
    return AnswerLocation(service, req.path.substr(kDerivedPathPrefix.size()), req, res);
  }
  AnswerStatus(MakeError(absl::StatusCode::kNotFound, "not_found",
                         "path: not a location (/v1/d/{location})"),
               res);
}

void RenderTransportError(const HttpParseError& error, HttpResponse& res) {
  const absl::Status status =
      MakeError(FromHttpError(error.status, "").code(), error.reason, error.message);
  res.status = error.status;
  res.SetContent(ToHttpErrorBody(status), "application/json");
}

size_t MaxDerivedBodyBytes(const DerivedRelayLimits& limits) { return limits.max_message_bytes; }

absl::StatusOr<std::unique_ptr<DerivedRelayHttpServer>> DerivedRelayHttpServer::Bind(
    BoundedHttpServerOptions options) {
  const std::string host = options.host;
  absl::StatusOr<std::unique_ptr<BoundedHttpServer>> bound =
      BoundedHttpServer::Bind(std::move(options));
  if (!bound.ok()) return bound.status();
  auto server = std::unique_ptr<DerivedRelayHttpServer>(new DerivedRelayHttpServer());
  server->host_ = host;
  server->server_ = *std::move(bound);
  return server;
}

void DerivedRelayHttpServer::Serve(DerivedRelayService* service,
                                   BoundedHttpServer::ExchangeHook hook) {
  // One byte over the limit still reaches the service, which names the limit.
  server_->set_max_body_bytes(MaxDerivedBodyBytes(service->limits()) + 1);
  server_->Serve([service](const HttpRequest& req,
                           HttpResponse& res) { HandleDerivedRequest(*service, req, res); },
                 [](const HttpParseError& error, const HttpRequest*, HttpResponse& res) {
                   RenderTransportError(error, res);
                 },
                 std::move(hook));
}

std::string DerivedRelayHttpServer::address() const {
  const bool v6 = absl::StrContains(host_, ':');
  return v6 ? absl::StrCat("[", host_, "]:", port()) : absl::StrCat(host_, ":", port());
}

}  // namespace sct::relay::derived
