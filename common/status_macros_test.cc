#include "common/status_macros.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace sct {
namespace {

absl::Status Fail() { return absl::NotFoundError("missing"); }

absl::Status CallsReturnIfError(absl::Status s, bool* reached_end) {
  RETURN_IF_ERROR(s);
  *reached_end = true;
  return absl::OkStatus();
}

TEST(ReturnIfErrorTest, PropagatesErrorAndStops) {
  bool reached = false;
  absl::Status s =
      CallsReturnIfError(absl::PermissionDeniedError("no"), &reached);
  EXPECT_EQ(s, absl::PermissionDeniedError("no"));
  EXPECT_FALSE(reached);
}

TEST(ReturnIfErrorTest, ContinuesOnOk) {
  bool reached = false;
  EXPECT_TRUE(CallsReturnIfError(absl::OkStatus(), &reached).ok());
  EXPECT_TRUE(reached);
}

TEST(ReturnIfErrorTest, EvaluatesOnce) {
  int calls = 0;
  auto f = [&]() -> absl::Status {
    ++calls;
    return absl::InternalError("x");
  };
  auto g = [&]() -> absl::Status {
    RETURN_IF_ERROR(f());
    return absl::OkStatus();
  };
  EXPECT_EQ(g().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(calls, 1);
}

TEST(ReturnIfErrorTest, WorksInUnbracedIfElse) {
  auto h = [](bool first) -> absl::Status {
    if (first)
      RETURN_IF_ERROR(Fail());
    else
      RETURN_IF_ERROR(absl::AbortedError("second"));
    return absl::OkStatus();
  };
  EXPECT_EQ(h(true).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(h(false).code(), absl::StatusCode::kAborted);
}

absl::StatusOr<int> Number(bool ok, int v) {
  if (!ok) return absl::InvalidArgumentError("bad number");
  return v;
}

absl::StatusOr<int> AddTwo(bool ok1, bool ok2, bool* reached_end) {
  ASSIGN_OR_RETURN(int a, Number(ok1, 1));
  ASSIGN_OR_RETURN(auto b, Number(ok2, 2));  // same scope, different lines
  *reached_end = true;
  return a + b;
}

TEST(AssignOrReturnTest, AssignsValues) {
  bool reached = false;
  absl::StatusOr<int> r = AddTwo(true, true, &reached);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 3);
  EXPECT_TRUE(reached);
}

TEST(AssignOrReturnTest, PropagatesFirstAndSecondError) {
  bool reached = false;
  EXPECT_EQ(AddTwo(false, true, &reached).status(),
            absl::InvalidArgumentError("bad number"));
  EXPECT_EQ(AddTwo(true, false, &reached).status(),
            absl::InvalidArgumentError("bad number"));
  EXPECT_FALSE(reached);
}

TEST(AssignOrReturnTest, AssignsToExistingVariableAndMovesOnlyTypes) {
  auto f = []() -> absl::StatusOr<std::string> {
    std::unique_ptr<int> p;
    ASSIGN_OR_RETURN(
        p, absl::StatusOr<std::unique_ptr<int>>(std::make_unique<int>(7)));
    std::string s = "old";
    ASSIGN_OR_RETURN(s, absl::StatusOr<std::string>("new"));
    return s + std::to_string(*p);
  };
  absl::StatusOr<std::string> r = f();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "new7");
}

TEST(AssignOrReturnTest, EvaluatesOnceAndErrorLeavesTargetUntouched) {
  int calls = 0;
  int target = 42;
  auto produce = [&](bool ok) -> absl::StatusOr<int> {
    ++calls;
    if (!ok) return absl::UnavailableError("down");
    return 5;
  };
  auto use = [&](bool ok) -> absl::Status {
    ASSIGN_OR_RETURN(target, produce(ok));
    return absl::OkStatus();
  };
  EXPECT_EQ(use(false).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(target, 42);
  EXPECT_TRUE(use(true).ok());
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(target, 5);
}

TEST(AssignOrReturnTest, WorksInFunctionReturningStatusOfOtherType) {
  auto f = []() -> absl::StatusOr<std::string> {
    ASSIGN_OR_RETURN(int v, Number(false, 0));
    return std::to_string(v);
  };
  EXPECT_EQ(f().status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sct
