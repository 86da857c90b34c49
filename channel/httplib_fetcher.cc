#include "channel/httplib_fetcher.h"

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "httplib.h"
#include "openssl/x509.h"
#include "runtime/source_address.h"

namespace sct::channel {

absl::StatusOr<HttpResponse> HttplibFetcher::Get(const std::string& url) {
  return Fetch("GET", url, {{"Accept", "text/html"}}, "");
}

absl::StatusOr<HttpResponse> HttplibFetcher::Post(
    const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
    const std::string& body) {
  return Fetch("POST", url, headers, body);
}

absl::StatusOr<HttpResponse> HttplibFetcher::Fetch(
    const std::string& method, const std::string& url,
    const std::vector<std::pair<std::string, std::string>>& extra_headers,
    const std::string& request_body) {
  if (url.find('#') != std::string::npos) {
    return InvalidField("url", "carries a fragment; a preview fetch never sends one");
  }
  const std::string lower = absl::AsciiStrToLower(url);
  size_t scheme_end;
  if (absl::StartsWith(lower, "https://")) {
    scheme_end = 8;
  } else if (absl::StartsWith(lower, "http://")) {
    scheme_end = 7;
  } else {
    return InvalidField("url", "must be an absolute http:// or https:// URL");
  }
  const size_t path_start = url.find_first_of("/?", scheme_end);
  const std::string origin = url.substr(0, path_start);
  std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
  if (path[0] == '?') path = "/" + path;
  if (origin.size() == scheme_end) return InvalidField("url", "has no host");

  httplib::Client client(origin);
  if (!client.is_valid()) return InvalidField("url", "host/port not usable: " + origin);
  const int64_t timeout_us = absl::ToInt64Microseconds(options_.timeout);
  client.set_connection_timeout(timeout_us / 1000000, timeout_us % 1000000);
  client.set_read_timeout(timeout_us / 1000000, timeout_us % 1000000);
  client.set_write_timeout(timeout_us / 1000000, timeout_us % 1000000);
  client.set_follow_location(false);
  const std::string source = SourceAddressFor(TargetHost(origin.substr(scheme_end)));
  if (!source.empty()) client.set_interface(source);
  if (scheme_end == 8) {
    client.enable_server_certificate_verification(true);
    if (!options_.ca_file.empty()) client.set_ca_cert_path(options_.ca_file);
  }
  std::string body;
  bool too_big = false;
  httplib::Headers headers = {{"User-Agent", options_.user_agent}};
  for (const auto& [name, value] : extra_headers) headers.emplace(name, value);
  httplib::ContentReceiver receiver = [&](const char* data, size_t length) {
    if (body.size() + length > options_.max_body_bytes) {
      too_big = true;
      return false;
    }
    body.append(data, length);
    return true;
  };
  // The answer of a POST comes whole (httplib has no receiver for it): its
  // size bound is checked after.
  httplib::Result result = method == "POST"
                               ? client.Post(path, headers, request_body, "application/json")
                               : client.Get(path, headers, receiver);
  if (method == "POST" && result) {
    if (result->body.size() > options_.max_body_bytes) too_big = true;
    body = result->body;
  }
  if (too_big) {
    return MakeError(absl::StatusCode::kUnavailable, "fetch_failed",
                     absl::StrCat("preview page larger than ", options_.max_body_bytes, " bytes"));
  }
  if (!result) {
    std::string detail = httplib::to_string(result.error());
    if (scheme_end == 8) {
      const long verify = client.get_openssl_verify_result();
      if (verify != 0)
        absl::StrAppend(&detail, " (certificate: ", X509_verify_cert_error_string(verify), ")");
    }
    return MakeError(absl::StatusCode::kUnavailable, "fetch_failed",
                     absl::StrCat(method, " ", origin, ": ", detail));
  }
  return HttpResponse{result->status, std::move(body)};
}

}  // namespace sct::channel
