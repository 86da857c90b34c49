#include "device/outbound_call.h"

#include <chrono>

#include "common/errors.h"
#include "common/status_mapping.h"
#include "gtest/gtest.h"

namespace sct::device {
namespace {

TEST(TranslateRpcStatusTest, OkStaysOk) {
  EXPECT_TRUE(TranslateRpcStatus(grpc::Status::OK, "relay").ok());
}

TEST(TranslateRpcStatusTest, TransportFailuresAreNamedAfterTheService) {
  for (grpc::StatusCode code :
       {grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::DEADLINE_EXCEEDED}) {
    absl::Status st = TranslateRpcStatus(grpc::Status(code, "connection refused"), "relay");
    EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(ReasonOf(st), "relay_unavailable");
    EXPECT_EQ(st.message(), "relay unreachable: connection refused");
  }
}

TEST(TranslateRpcStatusTest, PeerReasonsPassThroughWithTheirCode) {
  absl::Status claimed = TranslateRpcStatus(
      ToGrpcStatus(MakeError(absl::StatusCode::kUnauthenticated, "claim_mismatch", "bound")),
      "relay");
  EXPECT_EQ(claimed.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ReasonOf(claimed), "claim_mismatch");
  // An UNAVAILABLE with a specific reason is the peer's answer, not a
  // transport failure.
  absl::Status busy = TranslateRpcStatus(
      ToGrpcStatus(MakeError(absl::StatusCode::kUnavailable, "store_unavailable", "db")), "relay");
  EXPECT_EQ(ReasonOf(busy), "store_unavailable");
}

// A stand-in with the shape of a generated stub method.
struct EchoStub {
  grpc::Status Echo(grpc::ClientContext* context, const std::string& request,
                    std::string* response) {
    deadline = context->deadline();
    *response = request;
    return grpc::Status::OK;
  }
  std::chrono::system_clock::time_point deadline;
};

TEST(OutboundCallerTest, CallsWithTheConfiguredDeadline) {
  OutboundCaller caller(absl::Seconds(10));
  EchoStub stub;
  std::string response;
  const auto before = std::chrono::system_clock::now();
  ASSERT_TRUE(caller.Call("echo", &stub, &EchoStub::Echo, std::string("hi"), &response).ok());
  const auto after = std::chrono::system_clock::now();
  EXPECT_EQ(response, "hi");
  EXPECT_GE(stub.deadline, before + std::chrono::seconds(10));
  EXPECT_LE(stub.deadline, after + std::chrono::seconds(10));
}

}  // namespace
}  // namespace sct::device
