// The bad-input table: every malformed request the HTTP face can receive gets
// a 4xx JSON error with a stable code and a message naming the field, the
// server keeps serving, and a stored mailbox is unchanged afterwards.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/base64.h"
#include "common/rfc3339.h"
#include "common/uuid.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "relay/relay_http.h"
#include "relay/relay_test_util.h"

namespace sct::relay {
namespace {

using ::testing::HasSubstr;
using testing::Answer;
using testing::Client;
using testing::CreateBody;
using testing::IdFromUrl;
using testing::RandomBytes;
using testing::StoreKind;
using testing::TestRelay;
using Json = nlohmann::json;

// Placeholders in paths and bodies, filled in per run.
constexpr char kMailbox[] = "{M}";  // the stored mailbox's id

struct BadInput {
  std::string name;
  std::string method;
  std::string path;  // may contain {M}
  // Header values; "" omits the header. "{S}" / "{R}" are the sender's and
  // receiver's claims, "new" a fresh request id.
  std::string claim;
  std::string request_id;
  std::string body;
  int want_status;
  std::string want_code;
  std::string want_field;  // must appear in the error message
};

std::string Payload128(const std::string& data_b64) {
  return absl::StrCat(R"({"payload":{"type":"AEAD_AES_128_GCM","data":")", data_b64, R"("}})");
}

std::string WithPayload(const std::string& extra) {
  return absl::StrCat(R"({"payload":{"type":"AEAD_AES_128_GCM","data":")",
                      Base64Encode(std::string(40, 'a')), R"("},)", extra, "}");
}

std::vector<BadInput> Table(const RelayLimits& limits, absl::Time now) {
  const std::string good_b64 = Base64Encode(std::string(40, 'a'));
  const std::string past = FormatRfc3339(now - absl::Hours(1));
  const std::string too_far = FormatRfc3339(now + limits.max_ttl + absl::Hours(1));
  const std::string M = absl::StrCat("/v1/m/", kMailbox);
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += "[";
  for (int i = 0; i < 5000; ++i) deep += "]";
  const std::string invalid_utf8 = std::string(R"({"payload":{"type":"AEAD_AES_128_GCM","data":")") +
                                   good_b64 + R"("},"displayInformation":{"title":")" +
                                   std::string("\xff\xfe") + R"("}})";
  const std::string big_payload = Payload128(Base64Encode(RandomBytes(limits.max_payload_bytes + 1)));
  const std::string huge_body(RelayHttpServer::MaxBodyBytes(limits) + 10, ' ');
  const std::string long_title =
      WithPayload(absl::StrCat(R"("displayInformation":{"title":")",
                               std::string(limits.max_title_bytes + 1, 't'), R"("})"));
  const std::string S = "{S}", R = "{R}", N = "new";
  const std::string inv = "invalid_field";
  return {
      // ---- CreateMailbox: body syntax and types ----
      {"create_not_json", "POST", "/v1/m", S, N, "not json", 400, inv, "body"},
      {"create_empty_body", "POST", "/v1/m", S, N, "", 400, inv, "body"},
      {"create_array_body", "POST", "/v1/m", S, N, "[]", 400, inv, "body"},
      {"create_number_body", "POST", "/v1/m", S, N, "123", 400, inv, "body"},
      {"create_truncated_json", "POST", "/v1/m", S, N, R"({"payload":{"type":)", 400, inv, "body"},
      {"create_invalid_utf8", "POST", "/v1/m", S, N, invalid_utf8, 400, inv, "body"},
      {"create_deep_nesting", "POST", "/v1/m", S, N, R"({"payload":)" + deep + "}", 400, inv,
       "payload"},
      {"create_missing_payload", "POST", "/v1/m", S, N, "{}", 400, inv, "payload"},
      {"create_payload_string", "POST", "/v1/m", S, N, R"({"payload":"abc"})", 400, inv,
       "payload"},
      {"create_payload_missing_type", "POST", "/v1/m", S, N,
       R"({"payload":{"data":")" + good_b64 + R"("}})", 400, inv, "payload.type"},
      {"create_payload_type_number", "POST", "/v1/m", S, N,
       R"({"payload":{"type":7,"data":")" + good_b64 + R"("}})", 400, inv, "payload.type"},
      {"create_payload_type_unknown", "POST", "/v1/m", S, N,
       R"({"payload":{"type":"AES_256_CBC","data":")" + good_b64 + R"("}})", 400, inv,
       "payload.type"},
      {"create_payload_type_lowercase", "POST", "/v1/m", S, N,
       R"({"payload":{"type":"aead_aes_128_gcm","data":")" + good_b64 + R"("}})", 400, inv,
       "payload.type"},
      {"create_payload_missing_data", "POST", "/v1/m", S, N,
       R"({"payload":{"type":"AEAD_AES_128_GCM"}})", 400, inv, "payload.data"},
      {"create_payload_data_number", "POST", "/v1/m", S, N,
       R"({"payload":{"type":"AEAD_AES_128_GCM","data":12345}})", 400, inv, "payload.data"},
      {"create_payload_data_not_base64", "POST", "/v1/m", S, N, Payload128("!!!!not*base64!!!!"),
       400, inv, "payload.data"},
      {"create_payload_data_whitespace", "POST", "/v1/m", S, N,
       Payload128(good_b64.substr(0, 8) + " " + good_b64.substr(8)), 400, inv, "payload.data"},
      {"create_payload_data_unpadded", "POST", "/v1/m", S, N,
       Payload128(Base64Encode(std::string(41, 'a')).substr(0, 55)), 400, inv, "payload.data"},
      {"create_payload_data_short", "POST", "/v1/m", S, N,
       Payload128(Base64Encode(std::string(27, 'a'))), 400, inv, "payload.data"},
      {"create_payload_data_empty", "POST", "/v1/m", S, N, Payload128(""), 400, inv,
       "payload.data"},
      {"create_display_array", "POST", "/v1/m", S, N, WithPayload(R"("displayInformation":[])"),
       400, inv, "displayInformation"},
      {"create_display_title_number", "POST", "/v1/m", S, N,
       WithPayload(R"("displayInformation":{"title":5})"), 400, inv, "displayInformation.title"},
      {"create_display_image_bool", "POST", "/v1/m", S, N,
       WithPayload(R"("displayInformation":{"imageURL":true})"), 400, inv,
       "displayInformation.imageURL"},
      {"create_token_string", "POST", "/v1/m", S, N, WithPayload(R"("notificationToken":"t")"),
       400, inv, "notificationToken"},
      {"create_token_missing_type", "POST", "/v1/m", S, N,
       WithPayload(R"("notificationToken":{"tokenData":"x"})"), 400, inv,
       "notificationToken.type"},
      {"create_token_data_number", "POST", "/v1/m", S, N,
       WithPayload(R"("notificationToken":{"type":"fake-oem","tokenData":1})"), 400, inv,
       "notificationToken.tokenData"},
      {"create_config_number", "POST", "/v1/m", S, N, WithPayload(R"("mailboxConfiguration":1)"),
       400, inv, "mailboxConfiguration"},
      {"create_rights_unknown_letter", "POST", "/v1/m", S, N,
       WithPayload(R"("mailboxConfiguration":{"accessRights":"RX"})"), 400, inv,
       "mailboxConfiguration.accessRights"},
      {"create_rights_repeated", "POST", "/v1/m", S, N,
       WithPayload(R"("mailboxConfiguration":{"accessRights":"RR"})"), 400, inv,
       "mailboxConfiguration.accessRights"},
      {"create_rights_empty", "POST", "/v1/m", S, N,
       WithPayload(R"("mailboxConfiguration":{"accessRights":""})"), 400, inv,
       "mailboxConfiguration.accessRights"},
      {"create_rights_lowercase", "POST", "/v1/m", S, N,
       WithPayload(R"("mailboxConfiguration":{"accessRights":"rd"})"), 400, inv,
       "mailboxConfiguration.accessRights"},
      {"create_rights_number", "POST", "/v1/m", S, N,
       WithPayload(R"("mailboxConfiguration":{"accessRights":3})"), 400, inv,
       "mailboxConfiguration.accessRights"},
      {"create_expiration_words", "POST", "/v1/m", S, N,
       WithPayload(R"("mailboxConfiguration":{"expiration":"tomorrow"})"), 400, inv,
       "expiration"},
      {"create_expiration_month_13", "POST", "/v1/m", S, N,
       WithPayload(R"("mailboxConfiguration":{"expiration":"2025-13-01T00:00:00Z"})"), 400, inv,
       "expiration"},
      {"create_expiration_no_zone", "POST", "/v1/m", S, N,
       WithPayload(R"("mailboxConfiguration":{"expiration":"2025-01-02T00:00:00"})"), 400, inv,
       "expiration"},
      {"create_expiration_number", "POST", "/v1/m", S, N,
       WithPayload(R"("mailboxConfiguration":{"expiration":1735776000})"), 400, inv,
       "expiration"},
      {"create_expiration_past", "POST", "/v1/m", S, N,
       WithPayload(absl::StrCat(R"("mailboxConfiguration":{"expiration":")", past, R"("})")), 400,
       inv, "expiration"},
      {"create_expiration_beyond_max", "POST", "/v1/m", S, N,
       WithPayload(absl::StrCat(R"("mailboxConfiguration":{"expiration":")", too_far, R"("})")),
       400, inv, "expiration"},
      // ---- CreateMailbox: headers and sizes ----
      {"create_missing_claim", "POST", "/v1/m", "", N, CreateBody().dump(), 401, "claim_missing",
       "Mailbox-Device-Claim"},
      {"create_claim_not_uuid", "POST", "/v1/m", "not-a-uuid", N, CreateBody().dump(), 400, inv,
       "Mailbox-Device-Claim"},
      {"create_claim_uuid_with_braces", "POST", "/v1/m", "{12345678-1234-4234-8234-123456789012}",
       N, CreateBody().dump(), 400, inv, "Mailbox-Device-Claim"},
      {"create_missing_request_id", "POST", "/v1/m", S, "", CreateBody().dump(), 400, inv,
       "Mailbox-Request-ID"},
      {"create_request_id_not_uuid", "POST", "/v1/m", S, "42", CreateBody().dump(), 400, inv,
       "Mailbox-Request-ID"},
      {"create_payload_over_limit", "POST", "/v1/m", S, N, big_payload, 413, "payload_too_large",
       "payload"},
      {"create_title_over_limit", "POST", "/v1/m", S, N, long_title, 413, "payload_too_large",
       "title"},
      {"create_body_over_transport_limit", "POST", "/v1/m", S, N, huge_body, 413,
       "payload_too_large", "body"},
      // ---- UpdateMailbox ----
      {"update_path_not_uuid", "PUT", "/v1/m/zzz", R, N, CreateBody().dump(), 400, inv,
       "mailboxId"},
      {"update_empty_body", "PUT", M, R, N, "", 400, inv, "body"},
      {"update_not_json", "PUT", M, R, N, "{payload", 400, inv, "body"},
      {"update_payload_type_unknown", "PUT", M, R, N,
       R"({"payload":{"type":"ROT13","data":")" + good_b64 + R"("}})", 400, inv, "payload.type"},
      {"update_payload_not_base64", "PUT", M, R, N, Payload128("%%%%"), 400, inv, "payload.data"},
      {"update_payload_short", "PUT", M, R, N, Payload128(Base64Encode("short")), 400, inv,
       "payload.data"},
      {"update_missing_claim", "PUT", M, "", N, CreateBody().dump(), 401, "claim_missing",
       "Mailbox-Device-Claim"},
      {"update_stranger_claim", "PUT", M, "{X}", N, CreateBody().dump(), 401, "claim_mismatch",
       ""},
      {"update_missing_request_id", "PUT", M, R, "", CreateBody().dump(), 400, inv,
       "Mailbox-Request-ID"},
      {"update_token_wrong_type", "PUT", M, R, N, WithPayload(R"("notificationToken":[1])"), 400,
       inv, "notificationToken"},
      // ---- ReadSecureContent ----
      {"read_path_not_uuid", "POST", "/v1/m/not-a-uuid", R, N, "", 400, inv, "mailboxId"},
      {"read_path_uuid_too_long", "POST", absl::StrCat(M, "0"), R, N, "", 400, inv, "mailboxId"},
      {"read_body_not_json", "POST", M, R, N, "garbage", 400, inv, "body"},
      {"read_token_number", "POST", M, R, N, R"({"notificationToken":1})", 400, inv,
       "notificationToken"},
      {"read_request_id_not_uuid", "POST", M, R, "1234", "", 400, inv, "Mailbox-Request-ID"},
      {"read_claim_not_uuid", "POST", M, "xyz", N, "", 400, inv, "Mailbox-Device-Claim"},
      {"read_stranger_claim", "POST", M, "{X}", N, "", 401, "claim_mismatch", ""},
      // ---- ReadDisplayInformation ----
      {"preview_path_not_uuid", "GET", "/v1/m/<script>", "", "", "", 400, inv, "mailboxId"},
      // ---- DeleteMailbox / RelinquishMailbox ----
      {"delete_missing_claim", "DELETE", M, "", N, "", 401, "claim_missing",
       "Mailbox-Device-Claim"},
      {"delete_path_not_uuid", "DELETE", "/v1/m/1234", S, N, "", 400, inv, "mailboxId"},
      {"delete_request_id_not_uuid", "DELETE", M, S, "abc", "", 400, inv, "Mailbox-Request-ID"},
      {"delete_stranger_claim", "DELETE", M, "{X}", N, "", 401, "claim_mismatch", ""},
      {"relinquish_request_id_not_uuid", "PATCH", M, R, "nope", "", 400, inv,
       "Mailbox-Request-ID"},
      {"relinquish_by_sender", "PATCH", M, S, N, "", 401, "claim_mismatch", ""},
      // ---- methods and paths ----
      {"options_on_mailbox", "OPTIONS", M, "", "", "", 405, "method_not_allowed", "method"},
      {"get_on_collection", "GET", "/v1/m", "", "", "", 405, "method_not_allowed", "method"},
      {"put_on_collection", "PUT", "/v1/m", S, N, CreateBody().dump(), 405, "method_not_allowed",
       "method"},
      {"unknown_method", "BREW", M, "", "", "", 405, "method_not_allowed", "method"},
      {"unknown_path", "POST", "/v1/mailboxes", S, N, CreateBody().dump(), 404, "not_found",
       "path"},
      {"trailing_slash", "POST", absl::StrCat(M, "/"), R, N, "", 404, "not_found", "path"},
  };
}

class RelayHttpBadInputTest : public ::testing::TestWithParam<StoreKind> {};

TEST_P(RelayHttpBadInputTest, EveryMalformedInputIsRejectedAndChangesNothing) {
  RelayLimits limits;
  limits.max_payload_bytes = 4096;
  limits.creates_per_window = 1000000;
  limits.failed_lookups_per_window = 1000000;
  TestRelay relay(GetParam(), limits);
  Client c(relay.http->port());

  const std::string sender = NewUuidV4(), receiver = NewUuidV4(), stranger = NewUuidV4();
  Json body = CreateBody(200);
  body["mailboxConfiguration"] = {{"accessRights", "RWD"}};
  Answer created = c.Create(sender, body);
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string id = IdFromUrl(created.json["urlLink"].get<std::string>());
  Answer baseline = c.Read(id, receiver);
  ASSERT_EQ(baseline.status, 200) << baseline.body;
  const int64_t stored_before = *relay.store->Count();

  const std::vector<BadInput> table = Table(limits, relay.clock.Now());
  ASSERT_GE(table.size(), 40u);
  for (const BadInput& t : table) {
    SCOPED_TRACE(t.name);
    auto fill = [&](std::string s) {
      s = absl::StrReplaceAll(s, {{"{M}", id}});
      if (s == "{S}") return sender;
      if (s == "{R}") return receiver;
      if (s == "{X}") return stranger;
      return s;
    };
    Answer a = c.Call(t.method, fill(t.path), fill(t.claim), t.request_id, t.body);
    EXPECT_EQ(a.status, t.want_status) << a.body;
    ASSERT_FALSE(a.json.is_discarded()) << "error body is not JSON: " << a.body;
    EXPECT_EQ(a.error_code(), t.want_code) << a.body;
    EXPECT_THAT(a.error_message(), HasSubstr(t.want_field)) << a.body;
    EXPECT_EQ(a.header("Content-Type"), "application/json");

    // The stored mailbox is unchanged and still bound to the receiver.
    Answer after = c.Read(id, receiver);
    ASSERT_EQ(after.status, 200) << after.body;
    EXPECT_EQ(after.json, baseline.json);
    EXPECT_EQ(c.Read(id, stranger).status, 401);
    EXPECT_EQ(*relay.store->Count(), stored_before) << "a bad request created a mailbox";
  }
  // The server is still healthy after all of it.
  EXPECT_EQ(c.Call("GET", "/healthz", httplib::Headers(), "").status, 200);
}

INSTANTIATE_TEST_SUITE_P(Stores, RelayHttpBadInputTest,
                         ::testing::Values(StoreKind::kMemory, StoreKind::kSqlite),
                         [](const auto& info) { return testing::StoreKindName(info.param); });

}  // namespace
}  // namespace sct::relay
