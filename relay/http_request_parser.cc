#include "relay/http_request_parser.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace sct::relay {
namespace {

// RFC 9110 section 5.6.2: tchar.
bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::string_view("!#$%&'*+-.^_`|~").find(c) != absl::string_view::npos;
}

bool IsToken(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar);
}

// Visible characters, space and tab only (no CR, LF, NUL or other controls).
bool IsFieldValue(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
  });
}

absl::string_view TrimOws(absl::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

const char* HttpReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "";
  }
}

void HttpRequestParser::Reset() {
  phase_ = Phase::kRequestLine;
  request_ = HttpRequest();
  error_ = HttpParseError();
  line_.clear();
  header_bytes_ = 0;
  content_length_ = 0;
  chunk_left_ = 0;
  started_ = false;
}

HttpRequestParser::State HttpRequestParser::Fail(int status, const char* reason,
                                                 std::string message) {
  phase_ = Phase::kFailed;
  error_ = HttpParseError{status, reason, std::move(message)};
  return State::kError;
}

bool HttpRequestParser::TakeLine(absl::string_view data, size_t* pos, size_t limit, bool* over) {
  const size_t nl = data.find('\n', *pos);
  const size_t end = nl == absl::string_view::npos ? data.size() : nl;
  // A CR may end the bytes read so far with its LF still to come: allow it.
  if (line_.size() + (end - *pos) > limit + 1) {
    *over = true;
    return false;
  }
  line_.append(data.data() + *pos, end - *pos);
  if (nl == absl::string_view::npos) {
    *pos = data.size();
    return false;
  }
  *pos = nl + 1;
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  if (line_.size() > limit) {
    *over = true;
    return false;
  }
  return true;
}

HttpRequestParser::State HttpRequestParser::OnRequestLine() {
  if (line_.empty()) return State::kIncomplete;  // RFC 9112 2.2: ignore a leading CRLF
  std::vector<absl::string_view> parts = absl::StrSplit(line_, ' ');
  if (parts.size() != 3 || !IsToken(parts[0]) || parts[1].empty()) {
    return Fail(400, "bad_request", "request line: not 'METHOD target HTTP/1.1'");
  }
  if (parts[1][0] != '/' || !std::all_of(parts[1].begin(), parts[1].end(), [](char c) {
        return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
      })) {
    return Fail(400, "bad_request", "request line: target must be an absolute path");
  }
  if (parts[2] != "HTTP/1.1" && parts[2] != "HTTP/1.0") {
    if (absl::StartsWith(parts[2], "HTTP/")) {
      return Fail(505, "version_not_supported", "request line: only HTTP/1.0 and HTTP/1.1");
    }
    return Fail(400, "bad_request", "request line: bad HTTP version");
  }
  request_.method = std::string(parts[0]);
  request_.target = std::string(parts[1]);
  const size_t q = request_.target.find('?');
  request_.path = request_.target.substr(0, q);
  if (q != std::string::npos) request_.query = request_.target.substr(q + 1);
  request_.version = std::string(parts[2]);
  phase_ = Phase::kHeaders;
  return State::kIncomplete;
}

HttpRequestParser::State HttpRequestParser::OnHeaderLine() {
  if (line_.empty()) return OnHeadEnd();
  header_bytes_ += line_.size() + 2;
  if (request_.headers.size() >= limits_.max_header_count) {
    return Fail(431, "headers_too_large",
                absl::StrCat("headers: more than ", limits_.max_header_count, " lines"));
  }
  if (line_[0] == ' ' || line_[0] == '\t') {
    return Fail(400, "bad_request", "headers: obsolete line folding");
  }
  const size_t colon = line_.find(':');
  if (colon == std::string::npos || !IsToken(absl::string_view(line_).substr(0, colon))) {
    return Fail(400, "bad_request", "headers: a line is not 'name: value'");
  }
  absl::string_view value = TrimOws(absl::string_view(line_).substr(colon + 1));
  if (!IsFieldValue(value)) {
    return Fail(400, "bad_request",
                absl::StrCat("header ", line_.substr(0, colon), ": control characters"));
  }
  request_.headers.emplace_back(line_.substr(0, colon), std::string(value));
  return State::kIncomplete;
}

HttpRequestParser::State HttpRequestParser::OnHeadEnd() {
  std::string coding;
  bool has_te = false, has_cl = false;
  uint64_t length = 0;
  for (const auto& [name, value] : request_.headers) {
    if (absl::EqualsIgnoreCase(name, "Transfer-Encoding")) {
      has_te = true;
      absl::StrAppend(&coding, coding.empty() ? "" : ",", value);
    } else if (absl::EqualsIgnoreCase(name, "Content-Length")) {
      uint64_t v = 0;
      if (value.empty() || value.size() > 18 ||
          !std::all_of(value.begin(), value.end(), absl::ascii_isdigit) ||
          !absl::SimpleAtoi(value, &v) || (has_cl && v != length)) {
        return Fail(400, "bad_request", "header Content-Length: not one decimal length");
      }
      has_cl = true;
      length = v;
    }
  }
  if (has_te && has_cl) {
    return Fail(400, "bad_request", "headers: both Transfer-Encoding and Content-Length");
  }
  if (has_te) {
    if (!absl::EqualsIgnoreCase(TrimOws(coding), "chunked")) {
      return Fail(501, "not_implemented", "header Transfer-Encoding: only 'chunked' is supported");
    }
    content_length_ = -1;
    phase_ = Phase::kChunkSize;
    return State::kHeadComplete;
  }
  if (length > limits_.max_body_bytes) {
    return Fail(413, "payload_too_large",
                absl::StrCat("body: larger than ", limits_.max_body_bytes, " bytes"));
  }
  content_length_ = static_cast<int64_t>(length);
  request_.body.reserve(length);
  phase_ = length == 0 ? Phase::kDone : Phase::kBody;
  return State::kHeadComplete;
}

HttpRequestParser::State HttpRequestParser::OnChunkSizeLine() {
  absl::string_view size = absl::string_view(line_).substr(0, line_.find(';'));
  size = TrimOws(size);
  uint64_t n = 0;
  if (size.empty() || size.size() > 15 ||
      !std::all_of(size.begin(), size.end(), absl::ascii_isxdigit) ||
      !absl::SimpleHexAtoi(size, &n)) {
    return Fail(400, "bad_request", "body: bad chunk size line");
  }
  if (n > limits_.max_body_bytes - request_.body.size()) {
    return Fail(413, "payload_too_large",
                absl::StrCat("body: larger than ", limits_.max_body_bytes, " bytes"));
  }
  chunk_left_ = n;
  phase_ = n == 0 ? Phase::kTrailers : Phase::kChunkData;
  return State::kIncomplete;
}

HttpRequestParser::State HttpRequestParser::OnTrailerLine() {
  if (line_.empty()) {
    phase_ = Phase::kDone;
    return State::kComplete;
  }
  header_bytes_ += line_.size() + 2;
  // Trailers are read within the header limits and dropped: nothing may
  // change the request after its head was seen.
  if (line_.find(':') == std::string::npos || !IsFieldValue(line_)) {
    return Fail(400, "bad_request", "body: bad trailer line");
  }
  return State::kIncomplete;
}

HttpRequestParser::State HttpRequestParser::FeedBody(absl::string_view data, size_t* pos) {
  const uint64_t want = phase_ == Phase::kBody
                            ? static_cast<uint64_t>(content_length_) - request_.body.size()
                            : chunk_left_;
  const size_t n = static_cast<size_t>(std::min<uint64_t>(want, data.size() - *pos));
  request_.body.append(data.data() + *pos, n);
  *pos += n;
  if (phase_ == Phase::kBody) {
    if (request_.body.size() == static_cast<size_t>(content_length_)) phase_ = Phase::kDone;
  } else {
    chunk_left_ -= n;
    if (chunk_left_ == 0) phase_ = Phase::kChunkEnd;
  }
  return State::kIncomplete;
}

HttpRequestParser::State HttpRequestParser::Feed(absl::string_view data, size_t* consumed) {
  size_t pos = 0;
  State state = State::kIncomplete;
  while (state == State::kIncomplete) {
    if (phase_ == Phase::kDone) {
      state = State::kComplete;
      break;
    }
    if (phase_ == Phase::kFailed) return State::kError;
    if (pos == data.size()) break;
    started_ = true;
    if (phase_ == Phase::kBody || phase_ == Phase::kChunkData) {
      state = FeedBody(data, &pos);
      continue;
    }
    size_t limit = limits_.max_chunk_line;
    if (phase_ == Phase::kRequestLine) limit = limits_.max_request_line;
    if (phase_ == Phase::kHeaders || phase_ == Phase::kTrailers) {
      limit = limits_.max_header_bytes - std::min(header_bytes_, limits_.max_header_bytes);
    }
    bool over = false;
    if (!TakeLine(data, &pos, limit, &over)) {
      if (!over) break;
      if (phase_ == Phase::kRequestLine) {
        return Fail(414, "uri_too_long",
                    absl::StrCat("request line: longer than ", limits_.max_request_line, " bytes"));
      }
      if (phase_ == Phase::kHeaders || phase_ == Phase::kTrailers) {
        return Fail(431, "headers_too_large",
                    absl::StrCat("headers: more than ", limits_.max_header_bytes, " bytes"));
      }
      return Fail(400, "bad_request", "body: chunk line too long");
    }
    switch (phase_) {
      case Phase::kRequestLine:
        state = OnRequestLine();
        break;
      case Phase::kHeaders:
        state = OnHeaderLine();
        break;
      case Phase::kChunkSize:
        state = OnChunkSizeLine();
        break;
      case Phase::kTrailers:
        state = OnTrailerLine();
        break;
      case Phase::kChunkEnd:
        state = line_.empty() ? State::kIncomplete
                              : Fail(400, "bad_request", "body: chunk not followed by CRLF");
        if (line_.empty()) phase_ = Phase::kChunkSize;
        break;
      default:
        break;
    }
    line_.clear();
  }
  *consumed = pos;
  return state;
}

}  // namespace sct::relay
