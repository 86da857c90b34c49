// One outbound HTTP(S) exchange, bounded: how an Oblivious HTTP relay reaches
// its gateway and the gateway reaches the mailbox relay's HTTP API
// (docs/variants/ohttp.md). An interface, so the actors' logic is tested
// with a fake, and one implementation on cpp-httplib.
//
// HttplibForwarder keeps one keep-alive connection (calls are serialised on
// it), verifies HTTPS against `ca_file` and the URL's host, never follows
// redirects, never decompresses, abandons an answer over
// `max_response_bytes` or one that does not arrive within `timeout`. It adds
// no header of its own except Host and Content-Length (so nothing about the
// original client travels further than the caller puts in).
//
// Thread-safety: Send is thread-safe. Errors: Create INVALID_ARGUMENT
// "invalid_field" naming `url_field` for a URL that is not http(s)://HOST:PORT
// with an optional path prefix, or "source_address" for one that is not an
// IPv4 address; Send UNAVAILABLE "upstream_unavailable" when
// the peer cannot be reached or answers too late, INTERNAL
// "bad_upstream_response" for an answer that is too large.
#ifndef SCT_RUNTIME_HTTP_FORWARDER_H_
#define SCT_RUNTIME_HTTP_FORWARDER_H_

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace httplib {
class Client;
}  // namespace httplib

namespace sct {

using ForwardHeaders = std::vector<std::pair<std::string, std::string>>;

struct ForwardRequest {
  std::string method;
  std::string path;  // absolute path with query, appended to the URL's prefix
  ForwardHeaders headers;
  std::string body;
};

struct ForwardResponse {
  int status = 0;
  ForwardHeaders headers;
  std::string body;
};

class HttpForwarder {
 public:
  virtual ~HttpForwarder() = default;
  virtual absl::StatusOr<ForwardResponse> Send(const ForwardRequest& request) = 0;
};

struct HttplibForwarderOptions {
  std::string url;        // "https://127.0.0.1:8443" or with a path prefix
  std::string url_field;  // the flag that gave `url`, for errors
  std::string ca_file;    // PEM roots for HTTPS; empty: the system's
  absl::Duration timeout = absl::Seconds(10);
  size_t max_response_bytes = 4 << 20;
  // The IPv4 address outgoing connections are bound to (a loopback address
  // of the actor's own, so its peer sees who calls); empty: the process's
  // source address for a loopback target (runtime/source_address.h), else
  // the system picks.
  std::string source_address;
};

class HttplibForwarder : public HttpForwarder {
 public:
  static absl::StatusOr<std::unique_ptr<HttplibForwarder>> Create(HttplibForwarderOptions options);
  ~HttplibForwarder() override;
  absl::StatusOr<ForwardResponse> Send(const ForwardRequest& request) override;
  // "host:port" of the URL.
  const std::string& authority() const { return authority_; }

 private:
  explicit HttplibForwarder(HttplibForwarderOptions options);
  absl::StatusOr<ForwardResponse> SendOnce(const ForwardRequest& request, bool* stale);

  const HttplibForwarderOptions options_;
  std::string authority_;
  std::string prefix_;
  std::mutex mu_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace sct

#endif  // SCT_RUNTIME_HTTP_FORWARDER_H_
