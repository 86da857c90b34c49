#include "common/bhttp.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace sct::bhttp {
namespace {

absl::Status TooLarge(absl::string_view field, absl::string_view what) {
  return MakeError(absl::StatusCode::kResourceExhausted, "bhttp_too_large",
                   absl::StrCat(field, ": ", what));
}

// RFC 9110 tchar.
bool IsTokenChar(char c) {
  if (absl::ascii_isalnum(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool IsToken(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

bool IsSafeValue(absl::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

absl::Status CheckField(const Field& f, absl::string_view section) {
  if (!IsToken(f.name)) return InvalidField(section, "a field name is not an HTTP token");
  for (char c : f.name) {
    if (absl::ascii_isupper(c)) return InvalidField(section, "a field name has upper case");
  }
  if (!IsSafeValue(f.value)) return InvalidField(section, "a field value holds CR, LF or NUL");
  return absl::OkStatus();
}

// Reads a varint-prefixed string of at most `max` bytes.
absl::StatusOr<absl::string_view> ReadPrefixed(absl::string_view* in, absl::string_view field,
                                               size_t max) {
  ASSIGN_OR_RETURN(uint64_t n, ReadVarint(in, field));
  if (n > max) return TooLarge(field, absl::StrCat("longer than ", max, " bytes"));
  if (n > in->size()) return InvalidField(field, "longer than the message");
  absl::string_view out = in->substr(0, n);
  in->remove_prefix(n);
  return out;
}

absl::StatusOr<std::vector<Field>> ParseFieldLines(absl::string_view section,
                                                   absl::string_view field,
                                                   const BhttpLimits& limits) {
  std::vector<Field> out;
  while (!section.empty()) {
    if (out.size() >= limits.max_fields) {
      return TooLarge(field, absl::StrCat("more than ", limits.max_fields, " fields"));
    }
    Field f;
    ASSIGN_OR_RETURN(absl::string_view name, ReadPrefixed(&section, field, section.size()));
    ASSIGN_OR_RETURN(absl::string_view value, ReadPrefixed(&section, field, section.size()));
    f.name = std::string(name);
    f.value = std::string(value);
    RETURN_IF_ERROR(CheckField(f, field));
    out.push_back(std::move(f));
  }
  return out;
}

// A section (header or trailer); an empty `*in` is a truncated, empty one.
absl::StatusOr<std::vector<Field>> ReadSection(absl::string_view* in, absl::string_view field,
                                               const BhttpLimits& limits) {
  if (in->empty()) return std::vector<Field>();
  ASSIGN_OR_RETURN(absl::string_view section, ReadPrefixed(in, field, limits.max_section_bytes));
  return ParseFieldLines(section, field, limits);
}

absl::StatusOr<std::string> ReadContent(absl::string_view* in, const BhttpLimits& limits) {
  if (in->empty()) return std::string();
  ASSIGN_OR_RETURN(absl::string_view content,
                   ReadPrefixed(in, "bhttp.content", limits.max_content_bytes));
  return std::string(content);
}

absl::Status CheckPadding(absl::string_view rest) {
  for (char c : rest) {
    if (c != '\0') return InvalidField("bhttp.padding", "holds a non-zero byte");
  }
  return absl::OkStatus();
}

absl::Status CheckFraming(absl::string_view* in, uint64_t want, const BhttpLimits& limits) {
  if (in->size() > limits.max_message_bytes) {
    return TooLarge("bhttp", absl::StrCat("message longer than ", limits.max_message_bytes));
  }
  ASSIGN_OR_RETURN(uint64_t framing, ReadVarint(in, "bhttp.framing_indicator"));
  if (framing == want) return absl::OkStatus();
  if (framing == 2 || framing == 3) {
    return InvalidField("bhttp.framing_indicator", "indeterminate-length is not supported");
  }
  return InvalidField("bhttp.framing_indicator", want == kKnownLengthRequest
                                                     ? "not a known-length request"
                                                     : "not a known-length response");
}

absl::Status CheckControlData(const Request& r) {
  if (!IsToken(r.method)) return InvalidField("bhttp.method", "not an HTTP token");
  for (char c : r.scheme) {
    if (!absl::ascii_isalnum(c) && c != '+' && c != '-' && c != '.') {
      return InvalidField("bhttp.scheme", "not a URI scheme");
    }
  }
  if (r.scheme.empty()) return InvalidField("bhttp.scheme", "empty");
  if (!IsSafeValue(r.authority) || r.authority.find_first_of(" /?#@") != std::string::npos) {
    return InvalidField("bhttp.authority", "not a host[:port]");
  }
  if (r.path != "*" && (r.path.empty() || r.path[0] != '/')) {
    return InvalidField("bhttp.path", "must start with '/'");
  }
  for (char c : r.path) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '#') {
      return InvalidField("bhttp.path", "holds a space, control character or '#'");
    }
  }
  return absl::OkStatus();
}

absl::Status AppendPrefixed(absl::string_view s, std::string* out) {
  AppendVarint(s.size(), out);
  out->append(s.data(), s.size());
  return absl::OkStatus();
}

absl::Status AppendSection(const std::vector<Field>& fields, absl::string_view field,
                           std::string* out) {
  std::string section;
  for (const Field& f : fields) {
    RETURN_IF_ERROR(CheckField(f, field));
    AppendPrefixed(f.name, &section).IgnoreError();
    AppendPrefixed(f.value, &section).IgnoreError();
  }
  return AppendPrefixed(section, out);
}

// The sections after the control data: headers, content, trailers, each
// dropped when it and all after it are empty and `truncate` is set.
absl::Status AppendBody(const std::vector<Field>& headers, absl::string_view content,
                        const std::vector<Field>& trailers, const EncodeOptions& options,
                        std::string* out) {
  const bool t = options.truncate;
  if (!t || !trailers.empty() || !content.empty() || !headers.empty()) {
    RETURN_IF_ERROR(AppendSection(headers, "bhttp.header_section", out));
  }
  if (!t || !trailers.empty() || !content.empty()) {
    RETURN_IF_ERROR(AppendPrefixed(content, out));
  }
  if (!t || !trailers.empty()) {
    RETURN_IF_ERROR(AppendSection(trailers, "bhttp.trailer_section", out));
  }
  out->append(options.padding, '\0');
  return absl::OkStatus();
}

}  // namespace

void AppendVarint(uint64_t value, std::string* out) {
  int bytes;
  uint8_t prefix;
  if (value < 64) {
    bytes = 1, prefix = 0x00;
  } else if (value < 16384) {
    bytes = 2, prefix = 0x40;
  } else if (value < (uint64_t{1} << 30)) {
    bytes = 4, prefix = 0x80;
  } else {
    bytes = 8, prefix = 0xc0;
  }
  for (int i = bytes - 1; i >= 0; --i) {
    uint8_t b = static_cast<uint8_t>(value >> (8 * i));
    if (i == bytes - 1) b |= prefix;
    out->push_back(static_cast<char>(b));
  }
}

absl::StatusOr<uint64_t> ReadVarint(absl::string_view* in, absl::string_view field) {
  if (in->empty()) return InvalidField(field, "missing");
  const uint8_t first = static_cast<uint8_t>((*in)[0]);
  const size_t bytes = size_t{1} << (first >> 6);
  if (in->size() < bytes) return InvalidField(field, "truncated integer");
  uint64_t value = first & 0x3f;
  for (size_t i = 1; i < bytes; ++i) value = (value << 8) | static_cast<uint8_t>((*in)[i]);
  in->remove_prefix(bytes);
  return value;
}

absl::StatusOr<std::string> EncodeRequest(const Request& request, const EncodeOptions& options) {
  RETURN_IF_ERROR(CheckControlData(request));
  std::string out;
  AppendVarint(kKnownLengthRequest, &out);
  for (const std::string* s :
       {&request.method, &request.scheme, &request.authority, &request.path}) {
    RETURN_IF_ERROR(AppendPrefixed(*s, &out));
  }
  RETURN_IF_ERROR(AppendBody(request.headers, request.content, request.trailers, options, &out));
  return out;
}

absl::StatusOr<Request> DecodeRequest(absl::string_view message, const BhttpLimits& limits) {
  absl::string_view in = message;
  RETURN_IF_ERROR(CheckFraming(&in, kKnownLengthRequest, limits));
  Request r;
  const size_t max = limits.max_control_bytes;
  ASSIGN_OR_RETURN(absl::string_view method, ReadPrefixed(&in, "bhttp.method", max));
  ASSIGN_OR_RETURN(absl::string_view scheme, ReadPrefixed(&in, "bhttp.scheme", max));
  ASSIGN_OR_RETURN(absl::string_view authority, ReadPrefixed(&in, "bhttp.authority", max));
  ASSIGN_OR_RETURN(absl::string_view path, ReadPrefixed(&in, "bhttp.path", max));
  r.method = std::string(method);
  r.scheme = std::string(scheme);
  r.authority = std::string(authority);
  r.path = std::string(path);
  RETURN_IF_ERROR(CheckControlData(r));
  ASSIGN_OR_RETURN(r.headers, ReadSection(&in, "bhttp.header_section", limits));
  ASSIGN_OR_RETURN(r.content, ReadContent(&in, limits));
  ASSIGN_OR_RETURN(r.trailers, ReadSection(&in, "bhttp.trailer_section", limits));
  RETURN_IF_ERROR(CheckPadding(in));
  return r;
}

absl::StatusOr<std::string> EncodeResponse(const Response& response, const EncodeOptions& options) {
  std::string out;
  AppendVarint(kKnownLengthResponse, &out);
  for (const InformationalResponse& info : response.informational) {
    if (info.status < 100 || info.status > 199) {
      return InvalidField("bhttp.informational_status", "not 100..199");
    }
    AppendVarint(static_cast<uint64_t>(info.status), &out);
    RETURN_IF_ERROR(AppendSection(info.headers, "bhttp.informational_header_section", &out));
  }
  if (response.status < 200 || response.status > 599) {
    return InvalidField("bhttp.status", "not 200..599");
  }
  AppendVarint(static_cast<uint64_t>(response.status), &out);
  RETURN_IF_ERROR(AppendBody(response.headers, response.content, response.trailers, options, &out));
  return out;
}

absl::StatusOr<Response> DecodeResponse(absl::string_view message, const BhttpLimits& limits) {
  absl::string_view in = message;
  RETURN_IF_ERROR(CheckFraming(&in, kKnownLengthResponse, limits));
  Response r;
  while (true) {
    ASSIGN_OR_RETURN(uint64_t status, ReadVarint(&in, "bhttp.status"));
    if (status >= 200 && status <= 599) {
      r.status = static_cast<int>(status);
      break;
    }
    if (status < 100 || status > 199) return InvalidField("bhttp.status", "not 100..599");
    if (r.informational.size() >= limits.max_informational) {
      return TooLarge("bhttp.status", "too many informational responses");
    }
    InformationalResponse info;
    info.status = static_cast<int>(status);
    ASSIGN_OR_RETURN(
        absl::string_view section,
        ReadPrefixed(&in, "bhttp.informational_header_section", limits.max_section_bytes));
    ASSIGN_OR_RETURN(info.headers,
                     ParseFieldLines(section, "bhttp.informational_header_section", limits));
    r.informational.push_back(std::move(info));
  }
  ASSIGN_OR_RETURN(r.headers, ReadSection(&in, "bhttp.header_section", limits));
  ASSIGN_OR_RETURN(r.content, ReadContent(&in, limits));
  ASSIGN_OR_RETURN(r.trailers, ReadSection(&in, "bhttp.trailer_section", limits));
  RETURN_IF_ERROR(CheckPadding(in));
  return r;
}

}  // namespace sct::bhttp
