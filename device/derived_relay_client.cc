#include "device/derived_relay_client.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/derived_location.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "device/relay_answer.h"
#include "httplib.h"
#include "runtime/source_address.h"

namespace sct::device {
namespace {

absl::Status Unreachable(absl::string_view detail) {
  return MakeError(absl::StatusCode::kUnavailable, "relay_unavailable",
                   absl::StrCat("derived relay: ", detail));
}

absl::Status CheckBaseUrl(const std::string& url) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "https://") && !absl::ConsumePrefix(&rest, "http://")) {
    return InvalidField("base_url", "must start with http:// or https://");
  }
  if (rest.empty() || rest[0] == '/' || rest[0] == ':')
    return InvalidField("base_url", "has no host");
  if (absl::StrContains(rest, '/') || absl::StrContains(rest, '?') ||
      absl::StrContains(rest, '#')) {
    return InvalidField("base_url", "must be scheme://host[:port] only");
  }
  return absl::OkStatus();
}

void SetTimeouts(httplib::Client& http, absl::Duration timeout) {
  const int64_t us = absl::ToInt64Microseconds(timeout);
  http.set_connection_timeout(us / 1000000, us % 1000000);
  http.set_read_timeout(us / 1000000, us % 1000000);
  http.set_write_timeout(us / 1000000, us % 1000000);
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpDerivedRelayClient>> HttpDerivedRelayClient::Create(
    HttpDerivedRelayClientOptions options) {
  RETURN_IF_ERROR(CheckBaseUrl(options.base_url));
  if (options.timeout <= absl::ZeroDuration()) options.timeout = absl::Seconds(10);
  std::unique_ptr<HttpDerivedRelayClient> client(new HttpDerivedRelayClient(std::move(options)));
  absl::MutexLock lock(&client->mu_);
  client->client_ = std::make_unique<httplib::Client>(client->options_.base_url);
  if (!client->client_->is_valid()) return InvalidField("base_url", "host/port not usable");
  httplib::Client& http = *client->client_;
  SetTimeouts(http, client->options_.timeout);
  http.set_keep_alive(true);
  http.set_follow_location(false);
  http.set_decompress(false);
  // From the device's own loopback address: the relay (or, under
  // direct-transfer, the proximity link's range check) tells callers apart by it.
  const absl::string_view base = client->options_.base_url;
  const std::string source = SourceAddressFor(TargetHost(base.substr(base.find("://") + 3)));
  if (!source.empty()) http.set_interface(source);
  if (absl::StartsWith(client->options_.base_url, "https://")) {
    http.enable_server_certificate_verification(true);
    if (!client->options_.ca_file.empty()) http.set_ca_cert_path(client->options_.ca_file);
  }
  return client;
}

HttpDerivedRelayClient::HttpDerivedRelayClient(HttpDerivedRelayClientOptions options)
    : options_(std::move(options)) {}

HttpDerivedRelayClient::~HttpDerivedRelayClient() = default;

absl::StatusOr<std::string> HttpDerivedRelayClient::Send(const std::string& method,
                                                         const std::string& location,
                                                         const std::string& body) const {
  ASSIGN_OR_RETURN(std::string checked, ParseDerivedLocation(location));
  httplib::Request req;
  req.method = method;
  req.path = DerivedLocationUrl("", checked);
  if (!options_.actor.empty()) req.headers.emplace("sct-actor", options_.actor);
  if (method == "PUT") {
    req.body = body;
    req.headers.emplace("Content-Type", "application/octet-stream");
  }
  std::string received;
  bool too_big = false;
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    if (received.size() + n > options_.max_response_bytes) {
      too_big = true;
      return false;
    }
    received.append(data, n);
    return true;
  };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  absl::MutexLock lock(&mu_);
  bool sent = client_->send(req, res, error);
  if (!sent && !too_big && (error == httplib::Error::Read || error == httplib::Error::Write)) {
    // A kept-alive connection the relay closed: once more on a fresh one.
    received.clear();
    sent = client_->send(req, res, error);
  }
  if (too_big) {
    return MakeError(absl::StatusCode::kInternal, "bad_relay_response",
                     absl::StrCat("answer larger than ", options_.max_response_bytes, " bytes"));
  }
  if (!sent) return Unreachable(absl::StrCat(method, ": ", httplib::to_string(error)));
  RelayAnswer answer;
  answer.status = res.status;
  answer.body = std::move(received);
  return DecodeDerivedAnswer(answer);
}

absl::Status HttpDerivedRelayClient::Put(const std::string& location,
                                         const std::string& body) const {
  return Send("PUT", location, body).status();
}

absl::StatusOr<std::string> HttpDerivedRelayClient::Get(const std::string& location) const {
  return Send("GET", location, "");
}

absl::Status HttpDerivedRelayClient::Delete(const std::string& location) const {
  return Send("DELETE", location, "").status();
}

}  // namespace sct::device
