// The launcher's set-up RPCs carry the timeout they are given: a sanitized
// run stretches the launcher's start-up wait (SCT_TIME_SCALE), and the
// set-up calls must get the same stretch instead of a fixed 30 s.
#include "scenarios/launcher/setup_calls.h"

#include <chrono>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/credential_authority/v1/credential_authority.grpc.pb.h"
#include "proto/device/v1/device.grpc.pb.h"

namespace sct::scenarios {
namespace {

namespace cav1 = ::credential_authority::v1;
namespace dv1 = ::device::v1;

// Records the deadline of each call it gets and refuses it.
class DeadlineRecorder {
 public:
  grpc::Status Record(grpc::ServerContext* context) {
    absl::MutexLock lock(&mu_);
    deadline_ = absl::FromChrono(context->deadline());
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "not today");
  }
  absl::Time deadline() {
    absl::MutexLock lock(&mu_);
    return deadline_;
  }

 private:
  absl::Mutex mu_;
  absl::Time deadline_ = absl::InfinitePast();
};

class RecordingAuthority final : public cav1::CredentialAuthority::Service {
 public:
  explicit RecordingAuthority(DeadlineRecorder* r) : r_(r) {}
  grpc::Status GetAuthorityInfo(grpc::ServerContext* context,
                                const cav1::GetAuthorityInfoRequest*,
                                cav1::GetAuthorityInfoResponse*) override {
    return r_->Record(context);
  }

 private:
  DeadlineRecorder* r_;
};

class RecordingDevice final : public dv1::DeviceAgent::Service {
 public:
  explicit RecordingDevice(DeadlineRecorder* r) : r_(r) {}
  grpc::Status Enrol(grpc::ServerContext* context, const dv1::EnrolRequest*,
                     dv1::EnrolResponse*) override {
    return r_->Record(context);
  }

 private:
  DeadlineRecorder* r_;
};

class SetupCallsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&authority_);
    builder.RegisterService(&device_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::InsecureChannelCredentials());
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  DeadlineRecorder recorder_;
  RecordingAuthority authority_{&recorder_};
  RecordingDevice device_{&recorder_};
  std::unique_ptr<grpc::Server> server_;
  GrpcChannel channel_;
};

// A timeout of ten minutes (a start-up wait of 30 s stretched by
// SCT_TIME_SCALE=20) reaches the server as a deadline far beyond the old
// fixed 30 s; the refusal keeps the callee's code and names the RPC.
TEST_F(SetupCallsTest, TheCallsDeadlineIsTheTimeoutItIsGiven) {
  const absl::Time before = absl::Now();
  absl::StatusOr<AuthorityInfo> info = FetchAuthorityInfo(channel_, absl::Minutes(10));
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(info.status().message().find("GetAuthorityInfo"), std::string::npos)
      << info.status();
  EXPECT_GT(recorder_.deadline(), before + absl::Minutes(9));
  // gRPC sends the deadline as a timeout, rounded up, that the server adds to
  // its own clock: allow a second.
  EXPECT_LT(recorder_.deadline(), absl::Now() + absl::Minutes(10) + absl::Seconds(1));

  absl::StatusOr<std::string> enrolled = EnrolDevice(channel_, absl::Minutes(10));
  ASSERT_FALSE(enrolled.ok());
  EXPECT_EQ(enrolled.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_GT(recorder_.deadline(), before + absl::Minutes(9));
}

// A short timeout is a short deadline (the launcher's own wait, not more).
TEST_F(SetupCallsTest, AShortTimeoutIsAShortDeadline) {
  const absl::Time before = absl::Now();
  absl::StatusOr<std::string> enrolled = EnrolDevice(channel_, absl::Seconds(5));
  ASSERT_FALSE(enrolled.ok());
  EXPECT_LT(recorder_.deadline(), absl::Now() + absl::Seconds(6));
  EXPECT_GT(recorder_.deadline(), before);
}

}  // namespace
}  // namespace sct::scenarios
