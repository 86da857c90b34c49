// An event-driven HTTP/1.1 server (plain or TLS) that a client cannot
// exhaust: the relay's HTTP face runs on it.
//
// One thread multiplexes every connection with epoll (reading, parsing,
// writing, TLS handshakes, deadlines); complete requests go to a fixed pool
// of worker threads that run the handler. An open connection therefore
// costs a few kilobytes and no thread, so thousands of slow or idle
// connections do not keep a legitimate client from being served.
//
// Bounds, all before anything is buffered (HttpRequestParser for the
// bytes; see BoundedHttpServerOptions for the values):
// - request line, header count and header bytes, body (Content-Length or
//   chunked, counted as it arrives): 414 / 431 / 413, then the connection
//   is closed after a short bounded drain (so the client can read the
//   answer) without buffering what it still sends;
// - Content-Encoding other than identity: 415 before the body is read (the
//   server never decompresses);
// - time: a deadline for the head (from the request's first byte, or from
//   accept), one for the body, one for keep-alive idleness and one for
//   writing the answer; a request that misses its deadline gets 408 and the
//   connection is closed;
// - connections: a global cap and a cap per client address; over either, a
//   new connection is closed at once.
// A worker only ever sees a complete, bounded request.
//
// Thread-safety: Bind/Serve/Stop from one thread; port() and stats() from
// any. The handler, error renderer and exchange hook run on worker threads
// (the renderer also on the event thread) and must be thread-safe.
// Ownership: the server owns its sockets, threads and TLS context.
// Errors: Bind returns INVALID_ARGUMENT "invalid_field" for half-set TLS
// options, UNAVAILABLE "tls_load_failed" if the certificate or key cannot
// be loaded, UNAVAILABLE "bind_failed" if the address cannot be bound.
#ifndef SCT_RELAY_BOUNDED_HTTP_SERVER_H_
#define SCT_RELAY_BOUNDED_HTTP_SERVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "relay/http_message.h"
#include "relay/http_request_parser.h"

namespace sct::relay {

struct BoundedHttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0 picks a free port
  // PEM files; both set serves HTTPS (TLS 1.2+), both empty plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  HttpParseLimits limits;
  // From accept (TLS handshake included) or from a request's first byte to
  // the end of its head.
  absl::Duration head_timeout = absl::Seconds(10);
  // From the end of the head to the last body byte.
  absl::Duration body_timeout = absl::Seconds(30);
  // Keep-alive: from an answer to the next request's first byte.
  absl::Duration idle_timeout = absl::Seconds(5);
  // To write an answer out.
  absl::Duration write_timeout = absl::Seconds(30);
  int max_connections = 4096;
  int max_connections_per_address = 256;
  int worker_threads = 16;
  int listen_backlog = 1024;
};

// Counters for tests and metrics. Monotonic except open_connections.
struct BoundedHttpServerStats {
  int64_t open_connections = 0;
  int64_t refused_connections = 0;  // over a connection cap
  int64_t timed_out_requests = 0;   // 408 or closed at a deadline
  int64_t refused_requests = 0;     // answered by the server itself (4xx/5xx)
  // The most bytes one connection ever held for a request being read
  // (parser buffers plus unparsed input): bounded by the limits.
  int64_t peak_request_bytes = 0;
};

class BoundedHttpServer {
 public:
  using Handler = std::function<void(const HttpRequest&, HttpResponse&)>;
  // Fills the answer to a request the server refuses itself (a parse error,
  // 408, 415, a handler that threw): `error.status` is set on `response`
  // before the call; the renderer sets the body and headers. `head` is the
  // request's parsed head when the refusal came after it was complete (415),
  // else null.
  using ErrorRenderer = std::function<void(const HttpParseError& error, const HttpRequest* head,
                                           HttpResponse& response)>;
  // Observes every answered request (after the answer is built).
  using ExchangeHook = std::function<void(const HttpRequest&, const HttpResponse&)>;

  // Opens the listening socket (and loads TLS); serves nothing yet.
  static absl::StatusOr<std::unique_ptr<BoundedHttpServer>> Bind(BoundedHttpServerOptions options);
  // The body limit (limits.max_body_bytes), when it is known only after
  // Bind. Before Serve.
  void set_max_body_bytes(size_t bytes) { options_.limits.max_body_bytes = bytes; }
  // Starts the event thread and the workers. Exactly once, after Bind.
  // `render_error` and `hook` may be empty.
  void Serve(Handler handler, ErrorRenderer render_error, ExchangeHook hook);
  // Stops accepting, closes every connection, lets running handlers finish,
  // joins the threads. Idempotent.
  void Stop();
  ~BoundedHttpServer();

  int port() const { return port_; }
  BoundedHttpServerStats stats() const;

 private:
  struct Loop;
  explicit BoundedHttpServer(BoundedHttpServerOptions options);

  BoundedHttpServerOptions options_;
  int port_ = 0;
  std::unique_ptr<Loop> loop_;
  bool stopped_ = false;
};

}  // namespace sct::relay

#endif  // SCT_RELAY_BOUNDED_HTTP_SERVER_H_
