// The relay's HTTP face: draft-vinokurov-tigress-http-00 on cpp-httplib.
//
// Routes: POST /v1/m (CreateMailbox); on /v1/m/{id}: PUT (UpdateMailbox),
// POST (ReadSecureContent), GET (ReadDisplayInformation, an HTML preview),
// DELETE (DeleteMailbox), PATCH (RelinquishMailbox); GET /healthz and
// GET /metrics (Prometheus text). Headers Mailbox-Device-Claim,
// Mailbox-Request-ID, Mailbox-Device-Attestation; camelCase JSON bodies.
//
// The adapter only translates: it decodes strictly (body size, JSON syntax,
// types and required members, base64, RFC 3339) into the service's request
// types, calls MailboxService on CallContext::face = kHttp (which decides
// what is valid, naming fields as the draft does) and encodes the answer.
// Statuses come from common/status_mapping.h (ToHttpStatus, ToHttpErrorBody;
// reason "payload_too_large" answers 413) with one adapter choice: a method
// a route does not serve answers 405 (reason "method_not_allowed"). 429
// carries Retry-After (whole seconds, at least 1), 503 Retry-After: 1. A
// repeated request id answers 201.
//
// The rate-limit key is the TCP peer address. Thread-safe: httplib runs
// handlers on its own thread pool; the service and metrics are thread-safe.
#ifndef SCT_RELAY_RELAY_HTTP_H_
#define SCT_RELAY_RELAY_HTTP_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "relay/mailbox_service.h"
#include "relay/metrics.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace sct::relay {

struct RelayHttpOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0 picks a free port
  // PEM files; both set serves HTTPS, both empty plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  int threads = 16;  // handler threads (one per open keep-alive connection)
};

class RelayHttpServer {
 public:
  // Binds and starts serving on a background thread. `service` and `metrics`
  // are not owned and must outlive the server. INVALID_ARGUMENT for bad TLS
  // options, UNAVAILABLE if the address cannot be bound or TLS files fail to load.
  static absl::StatusOr<std::unique_ptr<RelayHttpServer>> Start(MailboxService* service,
                                                                RelayMetrics* metrics,
                                                                RelayHttpOptions options);
  // The two halves of Start, for callers that must know the bound port before
  // they can build the service (the binary's default public base URL):
  // Bind() opens the listening socket; Serve() registers the routes and starts
  // the server thread. Serve must be called exactly once after Bind.
  static absl::StatusOr<std::unique_ptr<RelayHttpServer>> Bind(RelayHttpOptions options);
  void Serve(MailboxService* service, RelayMetrics* metrics);

  // Optional observer of every finished exchange (the simulator's trace and
  // knowledge audit, relay/sim_http_hook.h); set before Serve. Runs on the
  // handler thread after the response is complete; must be thread-safe.
  using ExchangeHook = std::function<void(const httplib::Request&, const httplib::Response&)>;
  void set_exchange_hook(ExchangeHook hook) { exchange_hook_ = std::move(hook); }

  ~RelayHttpServer();  // Stop()

  int port() const { return port_; }
  // "host:port" with the bound port.
  std::string address() const;
  // Stops accepting, lets in-flight requests finish, joins the thread. Idempotent.
  void Stop();

  // The largest request body accepted: the base64 of max_payload_bytes plus
  // the display-information and token limits (JSON-escaped) plus slack.
  static size_t MaxBodyBytes(const RelayLimits& limits);

 private:
  RelayHttpServer() = default;
  // The hooks around routing (405, httplib's own errors, exceptions),
  // /healthz, /metrics and the six operations.
  void RegisterRoutes();
  void RegisterMailboxRoutes();
  // Runs one operation: `body` decodes, calls the service and encodes; an
  // error is answered through the shared status mapping. Times the
  // operation and records its metric.
  using Operation = std::function<absl::Status(const CallContext&, httplib::Response&)>;
  void RunOperation(const char* operation, const httplib::Request& req, httplib::Response& res,
                    const Operation& body);
  // payload_too_large when the body is over max_body_bytes_.
  absl::Status CheckBodySize(const httplib::Request& req) const;

  MailboxService* service_ = nullptr;
  RelayMetrics* metrics_ = nullptr;
  size_t max_body_bytes_ = 0;
  RelayHttpOptions options_;
  std::unique_ptr<httplib::Server> server_;
  ExchangeHook exchange_hook_;
  std::thread thread_;
  int port_ = 0;
  bool stopped_ = false;
};

}  // namespace sct::relay

#endif  // SCT_RELAY_RELAY_HTTP_H_
