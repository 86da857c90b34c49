// The relay's HTTP face: draft-vinokurov-tigress-http-00 on BoundedHttpServer
// (relay/bounded_http_server.h, event-driven, every dimension bounded).
//
// Routes: POST /v1/m (CreateMailbox); on /v1/m/{id}: PUT (UpdateMailbox),
// POST (ReadSecureContent), GET (ReadDisplayInformation, an HTML preview),
// DELETE (DeleteMailbox), PATCH (RelinquishMailbox); GET /healthz and
// GET /metrics (Prometheus text). Headers Mailbox-Device-Claim,
// Mailbox-Request-ID, Mailbox-Device-Attestation; camelCase JSON bodies.
//
// The adapter only translates: it decodes strictly (body size, JSON syntax,
// types and required members, base64, RFC 3339) into the service's request
// types, calls MailboxOperations (MailboxService, or
// the malicious relay's decorator) on CallContext::face = kHttp (which decides
// what is valid, naming fields as the draft does) and encodes the answer.
// Statuses come from common/status_mapping.h (ToHttpStatus, ToHttpErrorBody;
// reason "payload_too_large" answers 413) with one adapter choice: a method
// a route does not serve answers 405 (reason "method_not_allowed"). 429
// carries Retry-After (whole seconds, at least 1), 503 Retry-After: 1. A
// repeated request id answers 201.
//
// What the transport refuses itself gets the same JSON error shape: 408
// request_timeout, 413 payload_too_large, 414 uri_too_long, 431
// headers_too_large, 415 unsupported_encoding (no Content-Encoding is
// accepted: bodies are never decompressed), 400 bad_request, 501/505.
//
// The rate-limit key is the TCP peer address. Thread-safe: the transport
// runs handlers on its worker threads; the service and metrics are
// thread-safe.
#ifndef SCT_RELAY_RELAY_HTTP_H_
#define SCT_RELAY_RELAY_HTTP_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "relay/bounded_http_server.h"
#include "relay/http_message.h"
#include "relay/mailbox_service.h"
#include "relay/metrics.h"

namespace sct::relay {

struct RelayHttpOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0 picks a free port
  // PEM files; both set serves HTTPS, both empty plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  int threads = 16;  // handler threads (connections need none)
  // Transport bounds (bounded_http_server.h); the body limit comes from the
  // service's limits (MaxBodyBytes).
  int max_connections = 4096;
  int max_connections_per_address = 256;
  absl::Duration head_timeout = absl::Seconds(10);
  absl::Duration body_timeout = absl::Seconds(30);
  absl::Duration idle_timeout = absl::Seconds(5);
  size_t max_request_line = 8 * 1024;
  size_t max_header_bytes = 32 * 1024;
  size_t max_header_count = 64;
};

class RelayHttpServer {
 public:
  // Binds and starts serving on a background thread. `service` and `metrics`
  // are not owned and must outlive the server. INVALID_ARGUMENT for bad TLS
  // options, UNAVAILABLE if the address cannot be bound or TLS files fail to load.
  static absl::StatusOr<std::unique_ptr<RelayHttpServer>> Start(MailboxOperations* service,
                                                                 RelayMetrics* metrics,
                                                                 RelayHttpOptions options);
  // The two halves of Start, for callers that must know the bound port before
  // they can build the service (the binary's default public base URL):
  // Bind() opens the listening socket; Serve() registers the routes and starts
  // the server thread. Serve must be called exactly once after Bind.
  static absl::StatusOr<std::unique_ptr<RelayHttpServer>> Bind(RelayHttpOptions options);
  void Serve(MailboxOperations* service, RelayMetrics* metrics);

  // Optional observer of every finished exchange (the simulator's trace and
  // knowledge audit, relay/sim_http_hook.h); set before Serve. Runs on the
  // handler thread after the response is complete; must be thread-safe.
  using ExchangeHook = std::function<void(const HttpRequest&, const HttpResponse&)>;
  void set_exchange_hook(ExchangeHook hook) { exchange_hook_ = std::move(hook); }

  ~RelayHttpServer();  // Stop()

  int port() const { return port_; }
  // "host:port" with the bound port.
  std::string address() const;
  // Stops accepting, lets in-flight requests finish, joins the threads. Idempotent.
  void Stop();
  // The transport's counters (connections refused, requests timed out, the
  // most bytes held for one request).
  BoundedHttpServerStats transport_stats() const;

  // The largest request body accepted: the base64 of max_payload_bytes plus
  // the display-information and token limits (JSON-escaped) plus slack.
  static size_t MaxBodyBytes(const RelayLimits& limits);

 private:
  RelayHttpServer() = default;
  // Answers 404 / 405, /healthz, /metrics, or one of the six operations.
  void Route(const HttpRequest& req, HttpResponse& res);
  void RouteMailbox(const std::string& method, const HttpRequest& req, HttpResponse& res);
  // Runs one operation: `body` decodes, calls the service and encodes; an
  // error is answered through the shared status mapping. Times the
  // operation and records its metric.
  using Operation = std::function<absl::Status(const CallContext&, HttpResponse&)>;
  void RunOperation(const char* operation, const HttpRequest& req, HttpResponse& res,
                    const Operation& body);
  // payload_too_large when the body is over max_body_bytes_.
  absl::Status CheckBodySize(const HttpRequest& req) const;

  MailboxOperations* service_ = nullptr;
  RelayMetrics* metrics_ = nullptr;
  size_t max_body_bytes_ = 0;
  RelayHttpOptions options_;
  std::unique_ptr<BoundedHttpServer> server_;
  ExchangeHook exchange_hook_;
  int port_ = 0;
  bool stopped_ = false;
};

}  // namespace sct::relay

#endif  // SCT_RELAY_RELAY_HTTP_H_
