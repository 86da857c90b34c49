#include "runtime/http_forwarder.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "httplib.h"
#include "runtime/source_address.h"

namespace sct {
namespace {

absl::Status Unavailable(absl::string_view what) {
  return MakeError(absl::StatusCode::kUnavailable, "upstream_unavailable", what);
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttplibForwarder>> HttplibForwarder::Create(
    HttplibForwarderOptions options) {
  const std::string field = options.url_field.empty() ? "url" : options.url_field;
  const std::string lower = absl::AsciiStrToLower(options.url);
  size_t rest;
  bool https = false;
  if (absl::StartsWith(lower, "https://")) {
    https = true;
    rest = 8;
  } else if (absl::StartsWith(lower, "http://")) {
    rest = 7;
  } else {
    return InvalidField(field, "must be an http:// or https:// URL");
  }
  if (options.url.find_first_of("?# ") != std::string::npos) {
    return InvalidField(field, "must not carry a query, fragment or space");
  }
  const size_t slash = options.url.find('/', rest);
  const std::string hostport =
      options.url.substr(rest, slash == std::string::npos ? slash : slash - rest);
  const size_t colon = hostport.rfind(':');
  int port = 0;
  if (hostport.empty() || colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(hostport.substr(colon + 1), &port) || port < 1 || port > 65535) {
    return InvalidField(field, "needs HOST:PORT");
  }
  if (options.timeout <= absl::ZeroDuration()) options.timeout = absl::Seconds(10);
  if (options.source_address.empty()) {
    options.source_address = SourceAddressFor(TargetHost(hostport));
  }
  std::unique_ptr<HttplibForwarder> f(new HttplibForwarder(std::move(options)));
  f->authority_ = hostport;
  f->prefix_ = slash == std::string::npos ? "" : f->options_.url.substr(slash);
  while (!f->prefix_.empty() && f->prefix_.back() == '/') f->prefix_.pop_back();
  f->client_ = std::make_unique<httplib::Client>(f->options_.url.substr(0, slash));
  if (!f->client_->is_valid()) return InvalidField(field, "host/port not usable");
  const int64_t us = absl::ToInt64Microseconds(f->options_.timeout);
  httplib::Client& http = *f->client_;
  http.set_connection_timeout(us / 1000000, us % 1000000);
  http.set_read_timeout(us / 1000000, us % 1000000);
  http.set_write_timeout(us / 1000000, us % 1000000);
  http.set_keep_alive(true);
  http.set_follow_location(false);
  http.set_decompress(false);
  if (!f->options_.source_address.empty()) {
    in_addr local{};
    if (inet_pton(AF_INET, f->options_.source_address.c_str(), &local) != 1) {
      return InvalidField("source_address", "not an IPv4 address");
    }
    // httplib binds before it connects and gives up on a failed bind
    // (Error::BindIPAddress), as the devices' relay clients do: never a
    // connection from an address the kernel picks.
    http.set_interface(f->options_.source_address);
  }
  if (https) {
    http.enable_server_certificate_verification(true);
    if (!f->options_.ca_file.empty()) http.set_ca_cert_path(f->options_.ca_file);
  }
  return f;
}

HttplibForwarder::HttplibForwarder(HttplibForwarderOptions options)
    : options_(std::move(options)) {}

HttplibForwarder::~HttplibForwarder() = default;

absl::StatusOr<ForwardResponse> HttplibForwarder::Send(const ForwardRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  // A kept-alive connection the peer has closed fails before any answer:
  // sent once more on a fresh connection (the requests forwarded here carry
  // their own idempotency: Mailbox-Request-ID, or an OHTTP request that the
  // gateway treats as new).
  bool stale = false;
  absl::StatusOr<ForwardResponse> answer = SendOnce(request, &stale);
  if (answer.ok() || !stale) return answer;
  return SendOnce(request, &stale);
}

absl::StatusOr<ForwardResponse> HttplibForwarder::SendOnce(const ForwardRequest& request,
                                                           bool* stale) {
  *stale = false;
  httplib::Request req;
  req.method = request.method;
  req.path = prefix_ + request.path;
  if (req.path.empty()) req.path = "/";
  for (const auto& [name, value] : request.headers) req.headers.emplace(name, value);
  req.body = request.body;
  const absl::Time deadline = absl::Now() + options_.timeout;
  std::string received;
  bool too_big = false, too_late = false;
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    if (received.size() + n > options_.max_response_bytes) return !(too_big = true);
    if (absl::Now() > deadline) return !(too_late = true);
    received.append(data, n);
    return true;
  };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  const bool sent = client_->send(req, res, error);
  if (too_big) {
    return MakeError(absl::StatusCode::kInternal, "bad_upstream_response",
                     absl::StrCat("answer larger than ", options_.max_response_bytes, " bytes"));
  }
  if (too_late) return Unavailable("the answer did not arrive within the deadline");
  if (!sent) {
    *stale = error == httplib::Error::Read || error == httplib::Error::Write;
    return Unavailable(
        absl::StrCat(request.method, " ", authority_, ": ", httplib::to_string(error)));
  }
  ForwardResponse out;
  out.status = res.status;
  for (const auto& [name, value] : res.headers) out.headers.emplace_back(name, value);
  out.body = std::move(received);
  return out;
}

}  // namespace sct
