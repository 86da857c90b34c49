#include "common/status_mapping.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "common/errors.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace sct {
namespace {

struct CodeCase {
  absl::StatusCode absl_code;
  grpc::StatusCode grpc_code;
  int http;
};

// Every absl::StatusCode, written out so a new or mis-mapped code fails here.
const std::vector<CodeCase>& AllCodes() {
  static const auto* cases = new std::vector<CodeCase>{
      {absl::StatusCode::kOk, grpc::StatusCode::OK, 200},
      {absl::StatusCode::kCancelled, grpc::StatusCode::CANCELLED, 499},
      {absl::StatusCode::kUnknown, grpc::StatusCode::UNKNOWN, 500},
      {absl::StatusCode::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT,
       400},
      {absl::StatusCode::kDeadlineExceeded, grpc::StatusCode::DEADLINE_EXCEEDED,
       504},
      {absl::StatusCode::kNotFound, grpc::StatusCode::NOT_FOUND, 404},
      {absl::StatusCode::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS, 409},
      {absl::StatusCode::kPermissionDenied, grpc::StatusCode::PERMISSION_DENIED,
       401},
      {absl::StatusCode::kResourceExhausted,
       grpc::StatusCode::RESOURCE_EXHAUSTED, 429},
      {absl::StatusCode::kFailedPrecondition,
       grpc::StatusCode::FAILED_PRECONDITION, 400},
      {absl::StatusCode::kAborted, grpc::StatusCode::ABORTED, 409},
      {absl::StatusCode::kOutOfRange, grpc::StatusCode::OUT_OF_RANGE, 400},
      {absl::StatusCode::kUnimplemented, grpc::StatusCode::UNIMPLEMENTED, 501},
      {absl::StatusCode::kInternal, grpc::StatusCode::INTERNAL, 500},
      {absl::StatusCode::kUnavailable, grpc::StatusCode::UNAVAILABLE, 503},
      {absl::StatusCode::kDataLoss, grpc::StatusCode::DATA_LOSS, 500},
      {absl::StatusCode::kUnauthenticated, grpc::StatusCode::UNAUTHENTICATED,
       401},
  };
  return *cases;
}

TEST(StatusMappingTest, TableCoversEveryAbslCode) {
  // absl codes are 0..16; the table must list each exactly once.
  std::vector<int> seen(17, 0);
  for (const CodeCase& c : AllCodes()) ++seen.at(static_cast<int>(c.absl_code));
  for (int i = 0; i <= 16; ++i) EXPECT_EQ(seen[i], 1) << "absl code " << i;
}

TEST(StatusMappingTest, EveryCodeMapsToGrpcAndBack) {
  for (const CodeCase& c : AllCodes()) {
    SCOPED_TRACE(absl::StatusCodeToString(c.absl_code));
    absl::Status s(c.absl_code, "message text");
    grpc::Status g = ToGrpcStatus(s);
    EXPECT_EQ(g.error_code(), c.grpc_code);
    if (c.absl_code != absl::StatusCode::kOk) {
      EXPECT_EQ(g.error_message(), "message text");
      EXPECT_FALSE(g.error_details().empty());
    }
    EXPECT_EQ(FromGrpcStatus(g), s);
  }
}

TEST(StatusMappingTest, EveryCodeHasItsHttpStatus) {
  for (const CodeCase& c : AllCodes()) {
    EXPECT_EQ(ToHttpStatus(absl::Status(c.absl_code, "m")), c.http)
        << absl::StatusCodeToString(c.absl_code);
  }
}

TEST(StatusMappingTest, PayloadTooLargeIs413) {
  EXPECT_EQ(ToHttpStatus(MakeError(absl::StatusCode::kResourceExhausted,
                                   "payload_too_large", "too big")),
            413);
  EXPECT_EQ(ToHttpStatus(MakeError(absl::StatusCode::kResourceExhausted,
                                   "rate_limited", "slow down")),
            429);
}

TEST(StatusMappingTest, OutOfEnumCodesAreUnknownNotCrash) {
  absl::Status odd(static_cast<absl::StatusCode>(42), "odd");
  EXPECT_EQ(ToGrpcStatus(odd).error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(ToHttpStatus(odd), 500);
  // grpc::StatusCode has no fixed underlying type and enumerators -1..16, so
  // its values are -32..31 ([dcl.enum]); a number outside that range (99)
  // cannot be held in it at all (UBSan's enum check rejects the load). These
  // are valid values that no enumerator names.
  for (int raw : {17, 31, -2, -32}) {
    grpc::Status g(static_cast<grpc::StatusCode>(raw), "odd");
    EXPECT_EQ(FromGrpcStatus(g).code(), absl::StatusCode::kUnknown) << raw;
  }
  EXPECT_EQ(
      FromGrpcStatus(grpc::Status(grpc::StatusCode::DO_NOT_USE, "x")).code(),
      absl::StatusCode::kUnknown);
}

TEST(StatusMappingTest, ReasonRoundTripsThroughGrpc) {
  absl::Status s = MakeError(absl::StatusCode::kNotFound, "mailbox_not_found",
                             "mailbox 1234 not found");
  grpc::Status g = ToGrpcStatus(s);
  EXPECT_EQ(g.error_code(), grpc::StatusCode::NOT_FOUND);
  // The reason is in error_details (a serialized google.rpc.Status).
  EXPECT_NE(g.error_details().find("mailbox_not_found"), std::string::npos);
  EXPECT_NE(g.error_details().find("google.rpc.ErrorInfo"), std::string::npos);
  absl::Status back = FromGrpcStatus(g);
  EXPECT_EQ(back, s);
  EXPECT_EQ(ReasonOf(back), "mailbox_not_found");
}

TEST(StatusMappingTest, ErrorDetailsAreAGoogleRpcStatusKnownAnswer) {
  // google.rpc.Status{code: 5, message: "m", details: [Any{type_url:
  // ".../google.rpc.ErrorInfo", value: ErrorInfo{reason: "r", domain:
  // "sct-lab"}}]}, encoded independently (protoc --decode_raw agrees).
  const std::string want = absl::HexStringToBytes(
      "080512016d1a380a28747970652e676f6f676c65617069732e636f6d2f676f6f676c652e"
      "7270632e4572726f72496e666f120c0a017212077363742d6c6162");
  grpc::Status g =
      ToGrpcStatus(MakeError(absl::StatusCode::kNotFound, "r", "m"));
  EXPECT_EQ(g.error_details(), want);
  // And a details blob written by someone else decodes to the reason.
  absl::Status back =
      FromGrpcStatus(grpc::Status(grpc::StatusCode::NOT_FOUND, "m", want));
  EXPECT_EQ(ReasonOf(back), "r");
}

TEST(StatusMappingTest, GrpcStatusWithoutOrWithBadDetails) {
  struct Case {
    std::string name;
    std::string details;
  };
  const std::vector<Case> cases = {
      {"empty", ""},
      {"garbage", "\xff\xff\xff\xff"},
      {"truncated length", std::string("\x1a\x7f", 2)},
      {"wrong wire type", std::string("\x18\x01", 2)},
      {"any with other type", std::string("\x1a\x05\x0a\x03xyz", 7)},
  };
  for (const Case& c : cases) {
    grpc::Status g(grpc::StatusCode::PERMISSION_DENIED, "denied", c.details);
    absl::Status s = FromGrpcStatus(g);
    EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << c.name;
    EXPECT_EQ(s.message(), "denied") << c.name;
    EXPECT_EQ(ReasonOf(s), "permission_denied") << c.name;
  }
}

TEST(StatusMappingTest, HttpErrorBodyIsJsonWithReasonAndMessage) {
  absl::Status s = InvalidField("payload.data", "not base64");
  nlohmann::json j = nlohmann::json::parse(ToHttpErrorBody(s));
  EXPECT_EQ(j["error"]["code"], "invalid_field");
  EXPECT_EQ(j["error"]["message"], "payload.data: not base64");
  EXPECT_EQ(j.size(), 1u);
  EXPECT_EQ(j["error"].size(), 2u);
}

TEST(StatusMappingTest, HttpErrorBodyEscapesEverything) {
  const std::vector<std::string> messages = {
      "quote \" backslash \\ slash /", "newline\n tab\t cr\r",
      std::string("nul \0 byte", 10),  "control \x01\x1f",
      "<script>alert(1)</script>",     "unicode \xc3\xa9\xe2\x82\xac",
      "}\"},\"injected\":{\"x\":\"",
  };
  for (const std::string& m : messages) {
    absl::Status s =
        MakeError(absl::StatusCode::kInvalidArgument, "r\"eason\n", m);
    std::string body = ToHttpErrorBody(s);
    nlohmann::json j = nlohmann::json::parse(body);  // throws if not valid JSON
    EXPECT_EQ(j["error"]["message"], m);
    EXPECT_EQ(j["error"]["code"], "r\"eason\n");
    EXPECT_EQ(j["error"].size(), 2u);
    EXPECT_EQ(body.find('\n'), std::string::npos);
  }
}

TEST(StatusMappingTest, HttpErrorBodyReplacesInvalidUtf8) {
  absl::Status s(absl::StatusCode::kInvalidArgument, "bad \xff\xfe bytes");
  std::string body = ToHttpErrorBody(s);
  nlohmann::json j = nlohmann::json::parse(body);
  EXPECT_EQ(j["error"]["message"], "bad \xef\xbf\xbd\xef\xbf\xbd bytes");
}

TEST(StatusMappingTest, HttpErrorBodyForPlainStatusUsesCodeName) {
  nlohmann::json j =
      nlohmann::json::parse(ToHttpErrorBody(absl::NotFoundError("gone")));
  EXPECT_EQ(j["error"]["code"], "not_found");
  EXPECT_EQ(j["error"]["message"], "gone");
}

// What the relay's HTTP face answers maps back to the code and reason the
// status had: FromHttpError inverts ToHttpStatus + ToHttpErrorBody.
TEST(StatusMappingTest, FromHttpErrorRoundTripsTheRelaysErrors) {
  const absl::Status errors[] = {
      MakeError(absl::StatusCode::kInvalidArgument, "invalid_field", "payload.data: bad"),
      MakeError(absl::StatusCode::kUnauthenticated, "claim_mismatch", "bound"),
      MakeError(absl::StatusCode::kPermissionDenied, "access_denied", "no D"),
      MakeError(absl::StatusCode::kPermissionDenied, "attestation_required", "none"),
      MakeError(absl::StatusCode::kPermissionDenied, "bad_attestation", "wrong root"),
      MakeError(absl::StatusCode::kNotFound, "mailbox_not_found", "gone"),
      MakeError(absl::StatusCode::kResourceExhausted, "payload_too_large", "big"),
      MakeError(absl::StatusCode::kResourceExhausted, "rate_limited", "slow down"),
      MakeError(absl::StatusCode::kUnavailable, "store_unavailable", "redis"),
      MakeError(absl::StatusCode::kDeadlineExceeded, "request_timeout", "slow"),
  };
  for (const absl::Status& e : errors) {
    absl::Status back = FromHttpError(ToHttpStatus(e), ToHttpErrorBody(e));
    EXPECT_EQ(back.code(), e.code()) << e;
    EXPECT_EQ(ReasonOf(back), ReasonOf(e)) << e;
    EXPECT_EQ(back.message(), e.message()) << e;
  }
}

TEST(StatusMappingTest, FromHttpErrorDistrustsTheBody) {
  EXPECT_TRUE(FromHttpError(201, "whatever").ok());
  absl::Status st = FromHttpError(503, "<html>busy</html>");
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(st), "unavailable");
  st = FromHttpError(418, R"({"error":{"code":"Not A Reason!","message":7}})");
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(st), "invalid_argument");
  st = FromHttpError(500, R"({"error":{"code":"x","message":")" + std::string(5000, 'm') +
                              R"("}})");
  EXPECT_EQ(st.code(), absl::StatusCode::kInternal);
  EXPECT_LE(st.message().size(), 512u);
}

// The kept 512 bytes end on a character boundary: a message cut inside a
// UTF-8 sequence is not UTF-8, and the gRPC face carries it in a proto3
// string field (google.rpc.Status.message), which then fails to parse.
TEST(StatusMappingTest, FromHttpErrorCutsALongMessageBetweenCharacters) {
  std::string message = "a";
  for (int i = 0; i < 300; ++i) message += "\xc3\xa9";  // U+00E9, two bytes
  absl::Status st =
      FromHttpError(401, R"({"error":{"code":"claim_mismatch","message":")" + message + R"("}})");
  EXPECT_EQ(ReasonOf(st), "claim_mismatch");
  EXPECT_EQ(st.message(), message.substr(0, 511));
}

}  // namespace
}  // namespace sct
