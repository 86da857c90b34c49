#include "common/errors.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace sct {
namespace {

TEST(MakeErrorTest, CarriesCodeMessageAndReason) {
  absl::Status s = MakeError(absl::StatusCode::kNotFound, "mailbox_not_found",
                             "no such mailbox");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "no such mailbox");
  EXPECT_EQ(ReasonOf(s), "mailbox_not_found");
}

TEST(MakeErrorTest, OkCodeGivesOkStatusWithoutReason) {
  absl::Status s = MakeError(absl::StatusCode::kOk, "ignored", "ignored");
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(ReasonOf(s), "ok");
}

TEST(MakeErrorTest, EmptyReasonFallsBackToCodeName) {
  absl::Status s = MakeError(absl::StatusCode::kAborted, "", "x");
  EXPECT_EQ(ReasonOf(s), "aborted");
}

TEST(ReasonOfTest, PlainStatusesUseLowerCaseCodeName) {
  struct Case {
    absl::StatusCode code;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {absl::StatusCode::kCancelled, "cancelled"},
      {absl::StatusCode::kUnknown, "unknown"},
      {absl::StatusCode::kInvalidArgument, "invalid_argument"},
      {absl::StatusCode::kDeadlineExceeded, "deadline_exceeded"},
      {absl::StatusCode::kNotFound, "not_found"},
      {absl::StatusCode::kAlreadyExists, "already_exists"},
      {absl::StatusCode::kPermissionDenied, "permission_denied"},
      {absl::StatusCode::kResourceExhausted, "resource_exhausted"},
      {absl::StatusCode::kFailedPrecondition, "failed_precondition"},
      {absl::StatusCode::kAborted, "aborted"},
      {absl::StatusCode::kOutOfRange, "out_of_range"},
      {absl::StatusCode::kUnimplemented, "unimplemented"},
      {absl::StatusCode::kInternal, "internal"},
      {absl::StatusCode::kUnavailable, "unavailable"},
      {absl::StatusCode::kDataLoss, "data_loss"},
      {absl::StatusCode::kUnauthenticated, "unauthenticated"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ReasonOf(absl::Status(c.code, "m")), c.reason) << c.reason;
  }
  EXPECT_EQ(ReasonOf(absl::OkStatus()), "ok");
}

TEST(ReasonOfTest, ReasonSurvivesCopyAndIsIndependentOfMessage) {
  absl::Status a =
      MakeError(absl::StatusCode::kPermissionDenied, "wrong_claim", "one");
  absl::Status b = a;
  EXPECT_EQ(ReasonOf(b), "wrong_claim");
  absl::Status c =
      MakeError(absl::StatusCode::kPermissionDenied, "wrong_claim", "two");
  EXPECT_EQ(ReasonOf(a), ReasonOf(c));
  EXPECT_NE(a, c);  // messages differ
}

TEST(InvalidFieldTest, NamesTheField) {
  absl::Status s = InvalidField("payload.data", "not base64");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "payload.data: not base64");
  EXPECT_EQ(ReasonOf(s), "invalid_field");
}

}  // namespace
}  // namespace sct
