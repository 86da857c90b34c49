#include "common/base64.h"

#include <string>
#include <vector>

#include "common/errors.h"
#include "gtest/gtest.h"

namespace sct {
namespace {

struct Vector {
  std::string plain;
  std::string std_enc;
  std::string url_enc;
};

// RFC 4648 section 10, plus bytes that differ between the two alphabets.
const std::vector<Vector>& Vectors() {
  static const auto* v = new std::vector<Vector>{
      {"", "", ""},
      {"f", "Zg==", "Zg"},
      {"fo", "Zm8=", "Zm8"},
      {"foo", "Zm9v", "Zm9v"},
      {"foob", "Zm9vYg==", "Zm9vYg"},
      {"fooba", "Zm9vYmE=", "Zm9vYmE"},
      {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
      {"\xfb\xff", "+/8=", "-_8"},
      {"\xfb\xef\xbe", "++++", "----"},
      {"\xff\xff\xff", "////", "____"},
      {std::string("\0\0\0", 3), "AAAA", "AAAA"},
      {std::string("\0", 1), "AA==", "AA"},
  };
  return *v;
}

TEST(Base64Test, KnownVectors) {
  for (const Vector& v : Vectors()) {
    EXPECT_EQ(Base64Encode(v.plain), v.std_enc);
    EXPECT_EQ(Base64UrlEncode(v.plain), v.url_enc);
    auto d = Base64Decode(v.std_enc);
    ASSERT_TRUE(d.ok()) << v.std_enc << ": " << d.status();
    EXPECT_EQ(*d, v.plain);
    auto u = Base64UrlDecode(v.url_enc);
    ASSERT_TRUE(u.ok()) << v.url_enc << ": " << u.status();
    EXPECT_EQ(*u, v.plain);
  }
}

TEST(Base64Test, UrlDecodeAcceptsPaddedForm) {
  for (const Vector& v : Vectors()) {
    std::string padded = v.url_enc;
    while (padded.size() % 4 != 0) padded.push_back('=');
    auto u = Base64UrlDecode(padded);
    ASSERT_TRUE(u.ok()) << padded << ": " << u.status();
    EXPECT_EQ(*u, v.plain);
  }
}

TEST(Base64Test, RoundTripsEveryByteAndLength) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t len = 0; len <= all.size(); ++len) {
    std::string data = all.substr(256 - len);
    auto d = Base64Decode(Base64Encode(data));
    ASSERT_TRUE(d.ok()) << len;
    EXPECT_EQ(*d, data);
    auto u = Base64UrlDecode(Base64UrlEncode(data));
    ASSERT_TRUE(u.ok()) << len;
    EXPECT_EQ(*u, data);
    std::string url = Base64UrlEncode(data);
    EXPECT_EQ(url.find_first_of("+/="), std::string::npos);
  }
}

struct BadCase {
  std::string input;
  std::string problem;  // expected substring of the message
};

void ExpectRejected(const absl::StatusOr<std::string>& r, const BadCase& c,
                    const std::string& field) {
  ASSERT_FALSE(r.ok()) << "accepted: '" << c.input << "'";
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << c.input;
  EXPECT_EQ(ReasonOf(r.status()), "invalid_field") << c.input;
  EXPECT_EQ(r.status().message().rfind(field + ": ", 0), 0u) << r.status();
  EXPECT_NE(r.status().message().find(c.problem), std::string::npos)
      << "input '" << c.input << "' gave: " << r.status();
}

TEST(Base64Test, StandardDecodeRejectsBadInput) {
  const std::vector<BadCase> bad = {
      {"Zg", "missing padding"},
      {"Zm8", "missing padding"},
      {"Zm9vY", "invalid length"},
      {"Z", "invalid length"},
      {"Zg=", "wrong padding"},
      {"Zg===", "too much padding"},
      {"Zm9v====", "too much padding"},
      {"=", "wrong padding"},
      {"==", "wrong padding"},
      {"====", "too much padding"},
      {"Zm9v=", "wrong padding"},
      {"Zm9vZg=", "wrong padding"},
      {"Zg==Zg==", "padding '=' inside the data at offset 2"},
      {"Z=g=", "padding '=' inside the data at offset 1"},
      {"Zm9v Zm9v", "whitespace at offset 4"},
      {"Zm9v\nZm9v", "whitespace at offset 4"},
      {" Zm9v", "whitespace at offset 0"},
      {"Zm9v\r\n", "whitespace at offset 4"},
      {"Zm9v\t", "whitespace at offset 4"},
      {"-_8=", "base64url character at offset 0"},
      {"Zm9_", "base64url character at offset 3"},
      {"Zm9v!A==", "invalid character at offset 4"},
      {"Zm.v", "invalid character at offset 2"},
      {std::string("Zm\0v", 4), "invalid character at offset 2"},
      {"Zm\xc3\xa9", "invalid character at offset 2"},
      {"Zh==", "non-zero trailing bits"},  // 'h' leaves bits set after "f"
      {"Zm9=", "non-zero trailing bits"},
      {"Zm/=", "non-zero trailing bits"},
      {"AB==", "non-zero trailing bits"},
  };
  for (const BadCase& c : bad) {
    ExpectRejected(Base64Decode(c.input, "payload.data"), c, "payload.data");
  }
}

TEST(Base64Test, UrlDecodeRejectsBadInput) {
  const std::vector<BadCase> bad = {
      {"Z", "invalid length"},
      {"Zm9vY", "invalid length"},
      {"Zg=", "wrong padding"},
      {"Zg===", "too much padding"},
      {"Zm9v=", "wrong padding"},
      {"=", "wrong padding"},
      {"Zg==Zg", "padding '=' inside the data at offset 2"},
      {"+/8", "standard-alphabet character at offset 0"},
      {"Zm9/", "standard-alphabet character at offset 3"},
      {"Zm9v Zg", "whitespace at offset 4"},
      {"Zm9v\n", "whitespace at offset 4"},
      {"Zm9v%3D", "invalid character at offset 4"},
      {"Zh", "non-zero trailing bits"},
      {"Zm9", "non-zero trailing bits"},
      {"-_9", "non-zero trailing bits"},
      {"Zh==", "non-zero trailing bits"},
  };
  for (const BadCase& c : bad) {
    ExpectRejected(Base64UrlDecode(c.input, "secret"), c, "secret");
  }
}

TEST(Base64Test, DefaultFieldNameIsData) {
  auto r = Base64Decode("!!!!");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind("data: not base64", 0), 0u)
      << r.status();
  auto u = Base64UrlDecode("!!!!");
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().message().rfind("data: not base64url", 0), 0u)
      << u.status();
}

TEST(Base64Test, ErrorsDoNotEchoTheInput) {
  const std::string secret = "c2VjcmV0c2VjcmV0!";
  auto r = Base64Decode(secret);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find("c2VjcmV0"), std::string::npos);
}

}  // namespace
}  // namespace sct
