// The derived-locations relay's HTTP face (draft-rescorla-tigress-http-00
// section 6) on BoundedHttpServer (relay/bounded_http_server.h: every
// dimension of a request bounded, TLS).
//
// Routes, on {base}/v1/d/{location} (common/derived_location.h):
//   PUT     body = the message (any bytes, application/octet-stream):
//           201 Created; 409 location_occupied; 413 payload_too_large
//   GET     200 with the message (application/octet-stream, no-store);
//           404 message_not_found
//   DELETE  204; 404 message_not_found
// another method on a location: 405 method_not_allowed (Allow: GET, PUT,
// DELETE); GET /healthz: 200 "ok"; any other path, /v1/d/ itself included
// (no enumeration): 404 not_found. Errors are the project's JSON error body
// (common/status_mapping.h): 400 invalid_field naming "location", 429
// rate_limited with Retry-After, 503 store_unavailable. Content-Encoding is
// refused by the transport (415). The client address (the TCP peer) is the
// rate-limit key.
//
// HandleDerivedRequest is the whole adapter without sockets (tests and the
// fuzz target call it). Thread-safe: the service is thread-safe.
#ifndef SCT_RELAY_DERIVED_DERIVED_RELAY_HTTP_H_
#define SCT_RELAY_DERIVED_DERIVED_RELAY_HTTP_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "relay/bounded_http_server.h"
#include "relay/derived/derived_relay_service.h"
#include "relay/http_message.h"

namespace sct::relay::derived {

// Answers one complete request.
void HandleDerivedRequest(DerivedRelayService& service, const HttpRequest& req, HttpResponse& res);

// The answer to a request the transport refused itself (JSON error body).
void RenderTransportError(const HttpParseError& error, HttpResponse& res);

// The largest request body accepted: the message limit (bodies are raw).
size_t MaxDerivedBodyBytes(const DerivedRelayLimits& limits);

class DerivedRelayHttpServer {
 public:
  // Binds (options.limits.max_body_bytes is set from the service's limits
  // at Serve). Errors: those of BoundedHttpServer::Bind.
  static absl::StatusOr<std::unique_ptr<DerivedRelayHttpServer>> Bind(
      BoundedHttpServerOptions options);
  // Starts serving `service` (not owned; must outlive the server); `hook`
  // (may be empty) observes every answered exchange.
  void Serve(DerivedRelayService* service, BoundedHttpServer::ExchangeHook hook);
  void Stop() { server_->Stop(); }

  int port() const { return server_->port(); }
  std::string address() const;

 private:
  DerivedRelayHttpServer() = default;
  std::string host_;
  std::unique_ptr<BoundedHttpServer> server_;
};

}  // namespace sct::relay::derived

#endif  // SCT_RELAY_DERIVED_DERIVED_RELAY_HTTP_H_
