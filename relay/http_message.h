// One HTTP/1.1 request and response as plain values: what BoundedHttpServer
// hands to its handler and what the handler fills in. No I/O here.
//
// Header names keep the case the peer sent; lookups ignore case (RFC 9110
// section 5.1). Values carry no surrounding whitespace. Not thread-safe (a
// request belongs to the one handler call that receives it).
#ifndef SCT_RELAY_HTTP_MESSAGE_H_
#define SCT_RELAY_HTTP_MESSAGE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace sct::relay {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// The first value of header `name` in `headers` (any case), or null.
inline const std::string* FindHeader(const HttpHeaders& headers, absl::string_view name) {
  for (const auto& [n, v] : headers) {
    if (absl::EqualsIgnoreCase(n, name)) return &v;
  }
  return nullptr;
}

struct HttpRequest {
  std::string method;       // as sent, e.g. "POST"
  std::string target;       // the request-target as sent, e.g. "/v1/m?x=1"
  std::string path;         // target up to '?'
  std::string query;        // after '?', may be empty
  std::string version;      // "HTTP/1.1" or "HTTP/1.0"
  HttpHeaders headers;      // in the order received
  std::string body;         // de-chunked, never decompressed
  std::string remote_addr;  // the TCP peer's address, e.g. "127.0.0.1"
  int remote_port = 0;

  bool HasHeader(absl::string_view name) const { return FindHeader(headers, name) != nullptr; }
  // The first value of `name`, or "" when absent.
  std::string Header(absl::string_view name) const {
    const std::string* v = FindHeader(headers, name);
    return v == nullptr ? std::string() : *v;
  }
};

struct HttpResponse {
  int status = 200;
  HttpHeaders headers;  // the server adds Content-Length, Connection and Date
  std::string body;

  // Replaces every header `name` with one `value`.
  void SetHeader(absl::string_view name, std::string value) {
    for (auto it = headers.begin(); it != headers.end();) {
      it = absl::EqualsIgnoreCase(it->first, name) ? headers.erase(it) : it + 1;
    }
    headers.emplace_back(std::string(name), std::move(value));
  }
  std::string Header(absl::string_view name) const {
    const std::string* v = FindHeader(headers, name);
    return v == nullptr ? std::string() : *v;
  }
  void SetContent(std::string content, std::string content_type) {
    body = std::move(content);
    SetHeader("Content-Type", std::move(content_type));
  }
};

}  // namespace sct::relay

#endif  // SCT_RELAY_HTTP_MESSAGE_H_
