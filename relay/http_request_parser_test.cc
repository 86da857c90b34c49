// HttpRequestParser: framing, every bound (checked before the bytes are
// kept), and byte-at-a-time feeding.
#include "relay/http_request_parser.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace sct::relay {
namespace {

using State = HttpRequestParser::State;

HttpParseLimits SmallLimits() {
  HttpParseLimits l;
  l.max_request_line = 100;
  l.max_header_bytes = 200;
  l.max_header_count = 4;
  l.max_body_bytes = 1000;
  return l;
}

// Feeds `bytes` in pieces of `step`, calling Feed again after kHeadComplete;
// returns the final state.
State FeedAll(HttpRequestParser& p, const std::string& bytes, size_t step = 1 << 20) {
  size_t pos = 0;
  for (;;) {
    const size_t n = std::min(step, bytes.size() - pos);
    size_t used = 0;
    State s = p.Feed(absl::string_view(bytes).substr(pos, n), &used);
    pos += used;
    if (s == State::kComplete || s == State::kError) return s;
    if (s == State::kIncomplete && pos >= bytes.size()) return s;
  }
}

TEST(HttpRequestParserTest, ParsesContentLengthRequestInAnySplit) {
  const std::string raw =
      "POST /v1/m?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nX-A:  v \r\n\r\nhello";
  for (size_t step : {1u, 3u, 1000u}) {
    HttpRequestParser p(SmallLimits());
    ASSERT_EQ(FeedAll(p, raw, step), State::kComplete) << step;
    EXPECT_EQ(p.request().method, "POST");
    EXPECT_EQ(p.request().path, "/v1/m");
    EXPECT_EQ(p.request().query, "x=1");
    EXPECT_EQ(p.request().Header("x-a"), "v");
    EXPECT_EQ(p.request().body, "hello");
  }
}

TEST(HttpRequestParserTest, DecodesChunkedBodies) {
  const std::string raw =
      "PUT /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n";
  for (size_t step : {1u, 7u, 1000u}) {
    HttpRequestParser p(SmallLimits());
    ASSERT_EQ(FeedAll(p, raw, step), State::kComplete);
    EXPECT_EQ(p.request().body, "abcde");
    EXPECT_FALSE(p.request().HasHeader("Trailer"));
  }
}

TEST(HttpRequestParserTest, LeavesTheNextRequestUnconsumed) {
  HttpRequestParser p(SmallLimits());
  const std::string two = "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
  size_t used = 0;
  ASSERT_EQ(p.Feed(two, &used), State::kHeadComplete);
  size_t more = 0;
  ASSERT_EQ(p.Feed(absl::string_view(two).substr(used), &more), State::kComplete);
  EXPECT_EQ(used + more, two.size() / 2);
}

struct Refusal {
  std::string name;
  std::string raw;
  int status;
  std::string reason;
};

TEST(HttpRequestParserTest, RefusesWhatPassesABoundOrIsAmbiguous) {
  const std::vector<Refusal> cases = {
      {"long_request_line", "GET /" + std::string(200, 'a') + " HTTP/1.1\r\n", 414, "uri_too_long"},
      {"long_request_line_no_lf", "GET /" + std::string(200, 'a'), 414, "uri_too_long"},
      {"too_many_headers", "GET / HTTP/1.1\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\n\r\n", 431,
       "headers_too_large"},
      {"header_bytes", "GET / HTTP/1.1\r\nA: " + std::string(300, 'x') + "\r\n\r\n", 431,
       "headers_too_large"},
      {"endless_header_line", "GET / HTTP/1.1\r\nA: " + std::string(300, 'x'), 431,
       "headers_too_large"},
      {"content_length_over", "POST / HTTP/1.1\r\nContent-Length: 1001\r\n\r\n", 413,
       "payload_too_large"},
      {"chunked_over",
       "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n" + std::string(1000, 'a') +
           "\r\n1\r\n",
       413, "payload_too_large"},
      {"chunk_size_huge", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffff\r\n",
       413, "payload_too_large"},
      {"te_and_cl", "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
       400, "bad_request"},
      {"gzip_te", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501,
       "not_implemented"},
      {"two_lengths", "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400,
       "bad_request"},
      {"negative_length", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "bad_request"},
      {"space_before_colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, "bad_request"},
      {"folding", "GET / HTTP/1.1\r\nA: 1\r\n  2\r\n\r\n", 400, "bad_request"},
      {"nul_in_value", std::string("GET / HTTP/1.1\r\nA: \0\r\n\r\n", 22), 400, "bad_request"},
      {"http2", "GET / HTTP/2.0\r\n\r\n", 505, "version_not_supported"},
      {"absolute_uri", "GET http://x/ HTTP/1.1\r\n\r\n", 400, "bad_request"},
      {"bad_chunk", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400,
       "bad_request"},
  };
  for (const Refusal& c : cases) {
    for (size_t step : {1u, 1u << 20}) {
      HttpRequestParser p(SmallLimits());
      EXPECT_EQ(FeedAll(p, c.raw, step), State::kError) << c.name;
      EXPECT_EQ(p.error().status, c.status) << c.name;
      EXPECT_EQ(p.error().reason, c.reason) << c.name;
    }
  }
}

// The parser keeps at most the limits, however much is fed: a 512 MiB
// chunked body is refused after max_body_bytes, not buffered.
TEST(HttpRequestParserTest, NeverHoldsMoreThanTheBodyLimit) {
  HttpRequestParser p(SmallLimits());
  size_t used = 0;
  ASSERT_EQ(p.Feed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", &used),
            State::kHeadComplete);
  const std::string chunk = "100\r\n" + std::string(256, 'a') + "\r\n";
  State s = State::kIncomplete;
  size_t fed = 0;
  while (s == State::kIncomplete && fed < (512u << 20)) {
    s = p.Feed(chunk, &used);
    fed += chunk.size();
    EXPECT_LE(p.request().body.size(), 1000u);
  }
  EXPECT_EQ(s, State::kError);
  EXPECT_EQ(p.error().status, 413);
  EXPECT_LT(fed, 2000u);
}

TEST(HttpRequestParserTest, ResetStartsANewRequest) {
  HttpRequestParser p(SmallLimits());
  ASSERT_EQ(FeedAll(p, "GET /a HTTP/1.1\r\n\r\n"), State::kComplete);
  p.Reset();
  EXPECT_FALSE(p.started());
  ASSERT_EQ(FeedAll(p, "GET /b HTTP/1.1\r\n\r\n"), State::kComplete);
  EXPECT_EQ(p.request().path, "/b");
}

}  // namespace
}  // namespace sct::relay
