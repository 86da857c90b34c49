#include "common/bhttp.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/errors.h"
#include "common/testing/test_vectors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct::bhttp {
namespace {

using ::testing::ElementsAre;

std::string Unhex(absl::string_view hex) {
  absl::StatusOr<std::string> bytes = sct::testing::HexDecode(hex);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : std::string();
}

std::string Hex(absl::string_view b) { return sct::testing::HexEncode(b); }

// RFC 9292 figure 8: the known-length encoding of figure 7's GET request.
constexpr char kFigure8[] =
    "0003474554056874747073000a2f68656c6c6f2e747874406c0a757365722d6167656e7434637572"
    "6c2f372e31362e33206c69626375726c2f372e31362e33204f70656e53534c2f302e392e376c207a"
    "6c69622f312e322e3304686f73740f7777772e6578616d706c652e636f6d0f6163636570742d6c61"
    "6e677561676506656e2c206d690000";

// RFC 9458 appendix A: the request and response, truncated after their last
// non-empty part.
constexpr char kOhttpRequest[] = "00034745540568747470730b6578616d706c652e636f6d012f";
constexpr char kOhttpResponse[] = "0140c8";

Request Figure7() {
  Request r;
  r.method = "GET";
  r.scheme = "https";
  r.path = "/hello.txt";
  r.headers = {{"user-agent", "curl/7.16.3 libcurl/7.16.3 OpenSSL/0.9.7l zlib/1.2.3"},
               {"host", "www.example.com"},
               {"accept-language", "en, mi"}};
  return r;
}

TEST(BhttpTest, Rfc9292Figure8DecodesAndEncodesByteForByte) {
  absl::StatusOr<Request> r = DecodeRequest(Unhex(kFigure8));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->method, "GET");
  EXPECT_EQ(r->scheme, "https");
  EXPECT_EQ(r->authority, "");
  EXPECT_EQ(r->path, "/hello.txt");
  EXPECT_EQ(r->headers, Figure7().headers);
  EXPECT_TRUE(r->content.empty());
  EXPECT_TRUE(r->trailers.empty());
  absl::StatusOr<std::string> encoded = EncodeRequest(Figure7());
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  EXPECT_EQ(Hex(*encoded), kFigure8);
}

TEST(BhttpTest, Rfc9292Figure8WithPaddingDecodes) {
  absl::StatusOr<Request> r = DecodeRequest(Unhex(absl::StrCat(kFigure8, "0000000000")));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->headers.size(), 3u);
  EncodeOptions padded;
  padded.padding = 5;
  EXPECT_EQ(Hex(*EncodeRequest(Figure7(), padded)), absl::StrCat(kFigure8, "0000000000"));
}

TEST(BhttpTest, Rfc9458RequestIsTruncatedAfterThePath) {
  absl::StatusOr<Request> r = DecodeRequest(Unhex(kOhttpRequest));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->method, "GET");
  EXPECT_EQ(r->authority, "example.com");
  EXPECT_EQ(r->path, "/");
  EXPECT_TRUE(r->headers.empty());
  Request again = *r;
  EncodeOptions truncate;
  truncate.truncate = true;
  EXPECT_EQ(Hex(*EncodeRequest(again, truncate)), kOhttpRequest);
  EXPECT_EQ(Hex(*EncodeRequest(again)), absl::StrCat(kOhttpRequest, "000000"));
}

TEST(BhttpTest, Rfc9458ResponseIsA200WithNothingElse) {
  absl::StatusOr<Response> r = DecodeResponse(Unhex(kOhttpResponse));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->headers.empty());
  EXPECT_TRUE(r->content.empty());
  Response ok;
  EncodeOptions truncate;
  truncate.truncate = true;
  EXPECT_EQ(Hex(*EncodeResponse(ok, truncate)), kOhttpResponse);
}

TEST(BhttpTest, ResponseRoundTripsWithInformationalHeadersContentTrailers) {
  Response r;
  r.informational = {{103, {{"link", "</style.css>; rel=preload"}}}};
  r.status = 404;
  r.headers = {{"content-type", "application/json"}};
  r.content = std::string(20000, 'x');
  r.trailers = {{"x-checksum", "1"}};
  absl::StatusOr<std::string> bytes = EncodeResponse(r);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  absl::StatusOr<Response> back = DecodeResponse(*bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->informational.size(), 1u);
  EXPECT_EQ(back->informational[0].status, 103);
  EXPECT_EQ(back->status, 404);
  EXPECT_EQ(back->headers, r.headers);
  EXPECT_EQ(back->content, r.content);
  EXPECT_THAT(back->trailers, ElementsAre(Field{"x-checksum", "1"}));
}

TEST(BhttpTest, VarintsUseTheShortestFormAndRoundTrip) {
  for (uint64_t v : {uint64_t{0}, uint64_t{63}, uint64_t{64}, uint64_t{16383}, uint64_t{16384},
                     uint64_t{1073741823}, uint64_t{1073741824}, kMaxVarint}) {
    std::string out;
    AppendVarint(v, &out);
    absl::string_view in = out;
    absl::StatusOr<uint64_t> back = ReadVarint(&in, "v");
    ASSERT_TRUE(back.ok()) << v;
    EXPECT_EQ(*back, v);
    EXPECT_TRUE(in.empty());
  }
  std::string two;
  AppendVarint(200, &two);
  EXPECT_EQ(Hex(two), "40c8");
}

struct BadInput {
  const char* name;
  std::string hex;
  const char* field;
};

class BhttpBadRequestTest : public ::testing::TestWithParam<BadInput> {};

TEST_P(BhttpBadRequestTest, RefusedNamingThePart) {
  absl::StatusOr<Request> r =
      DecodeRequest(Unhex(absl::StrReplaceAll(GetParam().hex, {{" ", ""}})));
  ASSERT_FALSE(r.ok()) << GetParam().name;
  EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr(GetParam().field))
      << GetParam().name << ": " << r.status();
}

INSTANTIATE_TEST_SUITE_P(
    Vectors, BhttpBadRequestTest,
    ::testing::Values(
        BadInput{"empty", "", "bhttp.framing_indicator"},
        BadInput{"a response", "0140c8", "bhttp.framing_indicator"},
        BadInput{"indeterminate", "02034745540568747470730000", "indeterminate"},
        BadInput{"truncated method", "000547", "bhttp.method"},
        BadInput{"method not a token", "000247200568747470730000012f", "bhttp.method"},
        BadInput{"path without slash", "00034745540568747470730001610000", "bhttp.path"},
        BadInput{"path with space", "00034745540568747470730002 2f200000", "bhttp.path"},
        BadInput{"section longer than message", "0003474554056874747073000 12f05 0161",
                 "bhttp.header_section"},
        BadInput{"upper-case field name", "0003474554056874747073000 12f04 0141 0162",
                 "bhttp.header_section"},
        BadInput{"CRLF in a value", "0003474554056874747073000 12f05 0161 020d0a",
                 "bhttp.header_section"},
        BadInput{"non-zero padding", "0003474554056874747073000 12f00 00 00 01", "bhttp.padding"},
        BadInput{"truncated varint", "0003474554056874747073000 12f 40", "bhttp.header_section"}),
    [](const ::testing::TestParamInfo<BadInput>& info) {
      std::string name;
      for (char c : std::string(info.param.name)) name.push_back(isalnum(c) ? c : '_');
      return name;
    });

TEST(BhttpTest, LimitsAreEnforcedBeforeCopying) {
  Request r = Figure7();
  BhttpLimits limits;
  limits.max_fields = 2;
  absl::StatusOr<Request> few = DecodeRequest(*EncodeRequest(r), limits);
  EXPECT_EQ(few.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(few.status()), "bhttp_too_large");
  limits = BhttpLimits();
  limits.max_content_bytes = 10;
  r.content = std::string(11, 'c');
  EXPECT_EQ(DecodeRequest(*EncodeRequest(r), limits).status().code(),
            absl::StatusCode::kResourceExhausted);
  limits = BhttpLimits();
  limits.max_message_bytes = 16;
  EXPECT_EQ(DecodeRequest(*EncodeRequest(r), limits).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(BhttpTest, EncoderRefusesWhatItCannotWrite) {
  Request r = Figure7();
  r.headers.push_back({"x-bad", "a\r\nb"});
  EXPECT_EQ(ReasonOf(EncodeRequest(r).status()), "invalid_field");
  Response resp;
  resp.status = 99;
  EXPECT_EQ(ReasonOf(EncodeResponse(resp).status()), "invalid_field");
}

}  // namespace
}  // namespace sct::bhttp
