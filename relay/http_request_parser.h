// An incremental HTTP/1.1 request parser that bounds every dimension before
// it buffers: the request line, the number and total size of header lines,
// the body (Content-Length or chunked, counted as it arrives) and chunk-size
// lines. Bytes are fed as they come off the socket; the parser copies at most
// the limits, so a peer cannot make it hold more than
// max_request_line + max_header_bytes + max_body_bytes (+ one chunk line).
//
// The parser never decodes Content-Encoding (no transparent decompression)
// and refuses ambiguous framing (Transfer-Encoding with Content-Length, a
// transfer coding other than "chunked", differing Content-Lengths,
// whitespace before a header colon, obsolete line folding): the framing
// request smuggling relies on.
//
// Errors (error().status / reason; the message names the part):
//   400 bad_request       malformed request line, header, chunk or framing
//   413 payload_too_large the body passes max_body_bytes (known from
//                         Content-Length before any body byte is read)
//   414 uri_too_long      the request line passes max_request_line
//   431 headers_too_large more than max_header_count header lines or more
//                         than max_header_bytes of them (trailers included)
//   501 not_implemented   a transfer coding other than chunked
//   505 version_not_supported  not HTTP/1.0 or HTTP/1.1
// After an error the connection must be closed: the rest of the stream is
// not read. Not thread-safe; one parser per connection, Reset() between
// requests.
#ifndef SCT_RELAY_HTTP_REQUEST_PARSER_H_
#define SCT_RELAY_HTTP_REQUEST_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "relay/http_message.h"

namespace sct::relay {

struct HttpParseLimits {
  size_t max_request_line = 8 * 1024;   // bytes, CRLF excluded
  size_t max_header_bytes = 16 * 1024;  // all header lines, CRLFs included
  size_t max_header_count = 64;
  size_t max_body_bytes = 1024 * 1024;
  size_t max_chunk_line = 256;  // hex size plus extensions
};

struct HttpParseError {
  int status = 0;  // 0: no error
  std::string reason;
  std::string message;
};

// The reason phrase for `status` ("OK", "Not Found", ...); "" if unknown.
const char* HttpReasonPhrase(int status);

class HttpRequestParser {
 public:
  enum class State {
    kIncomplete,    // feed more bytes
    kHeadComplete,  // the head is parsed; call Feed again for the body
    kComplete,      // request() is whole
    kError,         // error() says why; close the connection
  };

  explicit HttpRequestParser(HttpParseLimits limits) : limits_(limits) {}

  // Consumes a prefix of `data` and says how far the request got; *consumed
  // is how many bytes were used (the rest belongs to the next request or
  // to a later call). Returns kHeadComplete once, when the head ends (even if
  // `data` holds body bytes, which stay unconsumed), so the caller can look
  // at the head before any body byte is read.
  State Feed(absl::string_view data, size_t* consumed);

  // Starts the next request on the same connection.
  void Reset();

  HttpRequest& request() { return request_; }
  const HttpParseError& error() const { return error_; }
  // The body's declared length (-1: chunked). Valid after kHeadComplete.
  int64_t content_length() const { return content_length_; }
  // True once any byte of this request has been consumed.
  bool started() const { return started_; }

 private:
  enum class Phase {
    kRequestLine,
    kHeaders,
    kBody,
    kChunkSize,
    kChunkData,
    kChunkEnd,
    kTrailers,
    kDone,
    kFailed
  };

  State Fail(int status, const char* reason, std::string message);
  // Consumes up to one line into line_; true when it ended with LF.
  bool TakeLine(absl::string_view data, size_t* pos, size_t limit, bool* over);
  State OnRequestLine();
  State OnHeaderLine();
  State OnHeadEnd();
  State OnChunkSizeLine();
  State OnTrailerLine();
  State FeedBody(absl::string_view data, size_t* pos);

  const HttpParseLimits limits_;
  Phase phase_ = Phase::kRequestLine;
  HttpRequest request_;
  HttpParseError error_;
  std::string line_;  // the line being read, CR/LF excluded
  size_t header_bytes_ = 0;
  int64_t content_length_ = 0;
  uint64_t chunk_left_ = 0;
  bool started_ = false;
};

}  // namespace sct::relay

#endif  // SCT_RELAY_HTTP_REQUEST_PARSER_H_
