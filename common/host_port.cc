#include "common/host_port.h"

#include <arpa/inet.h>

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace sct {
namespace {

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A hostname or dotted IPv4 address; `why` explains a rejection.
bool ValidHost(absl::string_view host, std::string* why) {
  bool numeric = true;
  for (char c : host) {
    if (!(absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '.')) {
      numeric = false;
    }
  }
  if (numeric) {
    struct in_addr addr;
    std::string h(host);
    if (inet_pton(AF_INET, h.c_str(), &addr) != 1) {
      *why = "not a valid IPv4 address";
      return false;
    }
    return true;
  }
  if (host.size() > 253) {
    *why = "hostname longer than 253 characters";
    return false;
  }
  size_t start = 0;
  while (start <= host.size()) {
    size_t dot = host.find('.', start);
    if (dot == absl::string_view::npos) dot = host.size();
    absl::string_view label = host.substr(start, dot - start);
    if (label.empty()) {
      *why = "empty hostname label";
      return false;
    }
    if (label.size() > 63) {
      *why = "hostname label longer than 63 characters";
      return false;
    }
    for (char c : label) {
      if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-')) {
        *why = "hostname may contain only letters, digits, '-' and '.'";
        return false;
      }
    }
    if (label.front() == '-' || label.back() == '-') {
      *why = "hostname label starts or ends with '-'";
      return false;
    }
    start = dot + 1;
  }
  return true;
}

}  // namespace

std::string HostPort::ToString() const {
  if (host.find(':') != std::string::npos)
    return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

absl::StatusOr<HostPort> ParseHostPort(absl::string_view s,
                                       absl::string_view field) {
  auto bad = [&](absl::string_view problem) {
    return InvalidField(field, problem);
  };
  if (s.empty()) return bad("empty; expected HOST:PORT");
  for (char c : s) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c)) ||
        !absl::ascii_isprint(static_cast<unsigned char>(c))) {
      return bad(
          "contains whitespace, control or non-ASCII characters; expected "
          "HOST:PORT");
    }
  }
  HostPort out;
  absl::string_view port;
  if (s.front() == '[') {
    size_t close = s.find(']');
    if (close == absl::string_view::npos)
      return bad("missing ']' after IPv6 address");
    absl::string_view v6 = s.substr(1, close - 1);
    absl::string_view rest = s.substr(close + 1);
    if (rest.empty() || rest.front() != ':') {
      return bad("expected ':PORT' after ']'");
    }
    port = rest.substr(1);
    if (v6.find('%') != absl::string_view::npos) {
      return bad("IPv6 zone ids are not supported");
    }
    struct in6_addr addr;
    std::string h(v6);
    if (v6.empty() || inet_pton(AF_INET6, h.c_str(), &addr) != 1) {
      return bad("not a valid IPv6 address inside [...]");
    }
    out.host = h;
  } else {
    size_t colon = s.rfind(':');
    if (colon == absl::string_view::npos)
      return bad("missing ':PORT'; expected HOST:PORT");
    absl::string_view host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (host.empty())
      return bad("empty host; expected HOST:PORT (e.g. 0.0.0.0:8080)");
    if (host.find(':') != absl::string_view::npos) {
      return bad("an IPv6 host must be in brackets: [ADDR]:PORT");
    }
    if (host.find('[') != absl::string_view::npos ||
        host.find(']') != absl::string_view::npos) {
      return bad("unbalanced '[' or ']'");
    }
    std::string why;
    if (!ValidHost(host, &why)) return bad(absl::StrCat("host: ", why));
    out.host = std::string(host);
  }
  if (port.empty()) return bad("empty port; expected HOST:PORT");
  if (!AllDigits(port)) return bad("port must be a decimal number 0-65535");
  if (port.size() > 5)
    return bad(absl::StrCat("port ", port, " out of range (0-65535)"));
  int value = 0;
  for (char c : port) value = value * 10 + (c - '0');
  if (value > 65535)
    return bad(absl::StrCat("port ", port, " out of range (0-65535)"));
  out.port = value;
  return out;
}

bool AbslParseFlag(absl::string_view text, HostPort* out, std::string* error) {
  absl::StatusOr<HostPort> hp = ParseHostPort(text, "value");
  if (!hp.ok()) {
    *error = std::string(hp.status().message());
    return false;
  }
  *out = *std::move(hp);
  return true;
}

std::string AbslUnparseFlag(const HostPort& hp) { return hp.ToString(); }

}  // namespace sct
