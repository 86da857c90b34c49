#include "device/relay_answer.h"

#include <string>

#include "common/bhttp.h"
#include "common/errors.h"
#include "gtest/gtest.h"

namespace sct::device {
namespace {

constexpr char kId[] = "aaaaaaaa-0000-4000-8000-000000000001";

RelayAnswer Json(int status, std::string body) {
  RelayAnswer a;
  a.status = status;
  a.headers = {{"Content-Type", "application/json"}, {"Mailbox-Request-ID", kId}};
  a.body = std::move(body);
  return a;
}

void ExpectBad(const absl::Status& status, const std::string& field) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_EQ(ReasonOf(status), "bad_relay_response") << status;
  EXPECT_NE(status.message().find(field), absl::string_view::npos) << status;
}

TEST(RelayAnswerTest, CreateAnswerOfTheRelay) {
  auto out = DecodeCreateAnswer(
      Json(200, R"({"expiration":"2025-01-03T00:00:00Z","isPushNotificationSupported":true,)"
                R"("urlLink":"http://127.0.0.1:8080/v1/m/56c1306a-915c-4681-a81e-f8e31f29cedb"})"));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->url_link(), "http://127.0.0.1:8080/v1/m/56c1306a-915c-4681-a81e-f8e31f29cedb");
  EXPECT_EQ(out->expiration(), "2025-01-03T00:00:00Z");
  EXPECT_TRUE(out->is_push_notification_supported());
  EXPECT_FALSE(out->repeated());
  auto again = DecodeCreateAnswer(Json(201, R"({"urlLink":"http://r/v1/m/x"})"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->repeated());
  EXPECT_FALSE(again->is_push_notification_supported());
}

TEST(RelayAnswerTest, BadCreateAnswersNameTheField) {
  ExpectBad(DecodeCreateAnswer(Json(200, "{}")).status(), "urlLink");
  ExpectBad(DecodeCreateAnswer(Json(200, R"({"urlLink":7})")).status(), "urlLink");
  ExpectBad(
      DecodeCreateAnswer(Json(200, R"({"urlLink":"u","isPushNotificationSupported":1})")).status(),
      "isPushNotificationSupported");
  ExpectBad(DecodeCreateAnswer(Json(200, R"({"urlLink":"u","expiration":false})")).status(),
            "expiration");
  ExpectBad(DecodeCreateAnswer(Json(200, "[]")).status(), "JSON object");
  ExpectBad(DecodeCreateAnswer(Json(200, "")).status(), "JSON object");
}

TEST(RelayAnswerTest, ReadAnswerDecodesPayloadDisplayAndExpiry) {
  auto out = DecodeReadAnswer(
      Json(200, R"({"displayInformation":{"title":"Car key","description":"Blue",)"
                R"("imageURL":"https://example.com/car.png"},"expiration":"2026-11-29T23:16:56Z",)"
                R"("payload":{"data":"AAECAw==","type":"AEAD_AES_128_GCM"}})"));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->payload().type(), "AEAD_AES_128_GCM");
  EXPECT_EQ(out->payload().data(), std::string("\0\1\2\3", 4));
  EXPECT_EQ(out->display_information().title(), "Car key");
  EXPECT_EQ(out->display_information().image_url(), "https://example.com/car.png");
  EXPECT_EQ(out->expiration(), "2026-11-29T23:16:56Z");
  EXPECT_FALSE(out->repeated());
}

TEST(RelayAnswerTest, BadReadAnswersNameTheField) {
  ExpectBad(DecodeReadAnswer(Json(200, "{}")).status(), "payload");
  ExpectBad(DecodeReadAnswer(Json(200, R"({"payload":{"data":"!!"}})")).status(), "payload.data");
  ExpectBad(DecodeReadAnswer(Json(200, R"({"payload":{"type":1}})")).status(), "payload.type");
  ExpectBad(
      DecodeReadAnswer(Json(200, R"({"payload":{},"displayInformation":{"title":2}})")).status(),
      "displayInformation.title");
}

TEST(RelayAnswerTest, ErrorAnswersKeepTheRelaysReason) {
  absl::Status s =
      DecodeReadAnswer(Json(404, R"({"error":{"code":"mailbox_not_found","message":"gone"}})"))
          .status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(s), "mailbox_not_found");
  EXPECT_EQ(s.message(), "gone");
  RelayAnswer limited = Json(429, R"({"error":{"code":"rate_limited","message":"slow down"}})");
  limited.headers.push_back({"retry-after", "30"});
  s = DecodeCreateAnswer(limited).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(s), "rate_limited");
  EXPECT_EQ(s.message(), "slow down (Retry-After: 30)");
  s = DecodeDeleteAnswer(Json(503, "not json")).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
}

TEST(RelayAnswerTest, RetryAfterIsQuotedOnlyWhenItIsText) {
  RelayAnswer limited = Json(429, R"({"error":{"code":"rate_limited","message":"slow down"}})");
  limited.headers.push_back({"Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT"});
  EXPECT_EQ(DecodeUpdateAnswer(limited).status().message(),
            "slow down (Retry-After: Wed, 21 Oct 2026 07:28:00 GMT)");
  for (const char* bad : {"30\rX", "3\x90", "\x01", "123456789012345678901234567890123"}) {
    limited.headers.back().second = bad;
    absl::Status s = DecodeUpdateAnswer(limited).status();
    EXPECT_EQ(ReasonOf(s), "rate_limited");
    EXPECT_EQ(s.message(), "slow down") << bad;
  }
}

TEST(RelayAnswerTest, UpdateDeleteRelinquish) {
  auto update = DecodeUpdateAnswer(Json(201, R"({"isPushNotificationSupported":true})"));
  ASSERT_TRUE(update.ok()) << update.status();
  EXPECT_TRUE(update->is_push_notification_supported());
  EXPECT_TRUE(update->repeated());
  auto del = DecodeDeleteAnswer(Json(200, "{}"));
  ASSERT_TRUE(del.ok());
  EXPECT_FALSE(del->repeated());
  auto rel = DecodeRelinquishAnswer(Json(201, "{}"));
  ASSERT_TRUE(rel.ok());
  EXPECT_TRUE(rel->repeated());
}

TEST(RelayAnswerTest, PreviewPageTags) {
  RelayAnswer page;
  page.status = 200;
  page.body =
      "<html><head><meta property=\"og:title\" content=\"Car &amp; key\">"
      "<meta property=\"og:description\" content=\"&lt;blue&gt;\">"
      "<meta property=\"og:url\" content=\"https://r/v1/m/x\"></head></html>";
  auto out = DecodePreviewAnswer(page);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->display_information().title(), "Car & key");
  EXPECT_EQ(out->display_information().description(), "<blue>");
  EXPECT_EQ(out->display_information().image_url(), "");
  EXPECT_EQ(out->url_link(), "https://r/v1/m/x");
}

TEST(RelayAnswerTest, PreviewContentThatIsNotUtf8IsABadAnswer) {
  RelayAnswer page;
  page.status = 200;
  page.body =
      "<meta property=\"og:title\" content=\"Car key\">"
      "<meta property=\"og:description\" content=\"Blue \xcb car\">";
  ExpectBad(DecodePreviewAnswer(page).status(), "og:description is not UTF-8");
}

TEST(RelayAnswerTest, RequestIdEcho) {
  EXPECT_TRUE(CheckRequestIdEcho(Json(200, "{}"), kId).ok());
  RelayAnswer none;
  none.status = 400;
  EXPECT_TRUE(CheckRequestIdEcho(none, kId).ok());
  RelayAnswer other = Json(200, "{}");
  other.headers.push_back({"mailbox-request-id", "bbbbbbbb-0000-4000-8000-000000000001"});
  ExpectBad(CheckRequestIdEcho(other, kId), "Mailbox-Request-ID");
}

TEST(RelayAnswerTest, ObliviousEnvelope) {
  RelayAnswer ok;
  ok.status = 200;
  ok.headers = {{"content-type", "message/ohttp-res"}};
  EXPECT_TRUE(CheckObliviousEnvelope(ok).ok());
  RelayAnswer wrong_type = ok;
  wrong_type.headers = {{"Content-Type", "application/json"}};
  ExpectBad(CheckObliviousEnvelope(wrong_type), "message/ohttp-res");
  RelayAnswer limited;
  limited.status = 429;
  EXPECT_EQ(CheckObliviousEnvelope(limited).code(), absl::StatusCode::kResourceExhausted);
  // A 2xx other than 200 carries no sealed answer: an error, never OK.
  RelayAnswer empty;
  empty.status = 204;
  ExpectBad(CheckObliviousEnvelope(empty), "204");
}

TEST(RelayAnswerTest, InnerAnswerFromBinaryHttp) {
  bhttp::Response inner;
  inner.status = 404;
  inner.headers = {{"mailbox-request-id", kId}};
  inner.content = R"({"error":{"code":"mailbox_not_found","message":"gone"}})";
  auto encoded = bhttp::EncodeResponse(inner);
  ASSERT_TRUE(encoded.ok());
  auto out = DecodeInnerAnswer(*encoded, 1024);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->status, 404);
  EXPECT_EQ(HeaderValue(*out, "Mailbox-Request-ID"), kId);
  EXPECT_EQ(DecodeReadAnswer(*out).status().code(), absl::StatusCode::kNotFound);
  ExpectBad(DecodeInnerAnswer(*encoded, 8).status(), "larger than 8");
  ExpectBad(DecodeInnerAnswer("\x07", 1024).status(), "oblivious relay answer");
}

TEST(RelayAnswerTest, DerivedAnswers) {
  RelayAnswer got;
  got.status = 200;
  got.body = std::string("\0sealed", 7);
  auto body = DecodeDerivedAnswer(got);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, got.body);
  RelayAnswer taken;
  taken.status = 409;
  taken.body = R"({"error":{"code":"location_occupied","message":"taken"}})";
  EXPECT_EQ(ReasonOf(DecodeDerivedAnswer(taken).status()), "location_occupied");
}

TEST(RelayAnswerTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\x80"));              // lone continuation
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));          // truncated at the end
}

}  // namespace
}  // namespace sct::device
