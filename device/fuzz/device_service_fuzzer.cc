// Fuzz target: the device agent's gRPC face (device.v1.DeviceAgent) — the
// control API the scenario engine drives: enrolment, personas, keys,
// installing credentials, sharing (a token from the OEM, a sealed mailbox at
// the relay, the link on a channel), accepting links (given, or read from an
// inbox), multi-round replies, using a credential at an access point,
// revocation, cancelling, relinquishing, listing, state, and the event stream
// (WatchEvents) — through the real adapter and DeviceAgent with in-memory
// secure-element storage and in-process fakes for what it calls: the device
// tests' FakeOem (OEM plus a minimal authority, checking every proof with the
// real crypto), FakeRelay and FakeChannel (device/fake_services.h), and an
// access point that always answers with the same challenge and grants.
//
// Each world enrols the device and installs two owner credentials (a car key,
// asymmetric, "unlock"/"lock"/"drive" on car-1; a hotel key, symmetric,
// "enter" on room-101); in a request kCarKeyPlaceholder and
// kRoomKeyPlaceholder become their ids, so seeds share, use and revoke real
// credentials, and a share's link lands in the fake channel's inbox where
// AcceptLink finds it.
//
// Determinism and bounds: every input gets a new world (an input's outcome
// does not depend on the ones before it, and nothing grows across inputs;
// building one costs about as much as a few calls). The clock moves one
// second at every reading, so every wait on it ends after a bounded number
// of readings; AcceptLink's round_timeout is cut to one second (the agent
// re-checks a waiting exchange every 100 ms of real time, so a long round
// would make one input last that long). Keys, nonces and ids are still
// random (the secure element's and the agent's own), as in the real device.
// Input format: runtime/fuzz/grpc_fuzz_harness.h (the unary methods in proto
// order, then WatchEvents; the id placeholder follows the last UUID an answer
// named).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "device/device_agent.h"
#include "device/device_grpc.h"
#include "device/fake_services.h"
#include "device/secure_element.h"
#include "gmock/gmock.h"
#include "proto/access_point/v1/access_point_mock.grpc.pb.h"
#include "proto/device/v1/device.grpc.pb.h"
#include "runtime/fuzz/grpc_fuzz_harness.h"

namespace {

namespace apv1 = ::access_point::v1;
namespace cv = ::common::v1;
namespace dv = ::device::v1;
using sct::device::testing::CallLog;
using sct::device::testing::FakeChannel;
using sct::device::testing::FakeOem;
using sct::device::testing::FakeRelay;

// Same length as a credential id (a UUID).
constexpr char kCarKeyPlaceholder[] = "5eedca70-0000-4000-8000-000000000000";
constexpr char kRoomKeyPlaceholder[] = "5eed7007-0000-4000-8000-000000000000";
constexpr int64_t kMaxRoundTimeoutSeconds = 1;
// google.protobuf.Duration's range: larger values stay, to be refused.
constexpr int64_t kMaxDurationSeconds = 315576000000;

// A clock that moves one second forward at every reading.
class SteppingClock : public sct::Clock {
 public:
  explicit SteppingClock(absl::Time start) : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    now_ += absl::Seconds(1);
    return now_;
  }

 private:
  mutable absl::Mutex mu_;
  mutable absl::Time now_ ABSL_GUARDED_BY(mu_);
};

// An access point that answers every challenge with the same nonce and
// grants every presentation.
class GrantingAccessPoint : public ::testing::NiceMock<apv1::MockAccessPointStub> {
 public:
  GrantingAccessPoint() {
    using ::testing::_;
    ON_CALL(*this, GetChallenge(_, _, _))
        .WillByDefault(::testing::Invoke(
            [](auto*, const apv1::GetChallengeRequest&, apv1::GetChallengeResponse* r) {
              r->set_access_point_id("car-1");
              r->set_nonce(std::string(32, 'n'));
              r->set_kind(cv::CAR);
              return grpc::Status::OK;
            }));
    ON_CALL(*this, Authenticate(_, _, _))
        .WillByDefault(::testing::Invoke(
            [](auto*, const apv1::AuthenticateRequest& q, apv1::AuthenticateResponse* r) {
              r->set_granted(true);
              r->set_reason(apv1::GRANTED);
              r->set_access_point_id("car-1");
              if (q.has_certificate() || !q.credential_id().empty()) r->set_credential_id("seen");
              return grpc::Status::OK;
            }));
  }
};

template <typename T>
T OrAbort(absl::StatusOr<T> made) {
  if (!made.ok()) {
    std::fprintf(stderr, "device fuzz setup failed: %s\n", made.status().ToString().c_str());
    std::abort();
  }
  return *std::move(made);
}

// Cuts an AcceptLink request's round_timeout to kMaxRoundTimeoutSeconds
// (see the file comment); other requests, and requests that do not parse,
// go as they are.
void BoundRoundTimeout(const std::string& method, std::string* request) {
  if (method != "/device.v1.DeviceAgent/AcceptLink") return;
  dv::AcceptLinkRequest accept;
  if (!accept.ParseFromString(*request) || !accept.has_round_timeout()) return;
  const int64_t seconds = accept.round_timeout().seconds();
  if (seconds <= kMaxRoundTimeoutSeconds || seconds > kMaxDurationSeconds) return;
  accept.mutable_round_timeout()->set_seconds(kMaxRoundTimeoutSeconds);
  *request = accept.SerializeAsString();
}

struct World {
  World() : oem("oem-a", &clock, &log), relay(&log), channel(&log) {
    se = OrAbort(sct::device::SecureElement::Open(""));
    sct::device::DeviceAgentOptions options;
    options.oem_id = "oem-a";
    options.address = "+15550001";
    sct::device::DeviceAgentDeps deps;
    deps.clock = &clock;
    deps.secure_element = se.get();
    deps.oem = &oem;
    deps.relay = &relay;
    deps.channel = &channel;
    deps.access_point_factory = [](const std::string&) {
      return std::unique_ptr<apv1::AccessPoint::StubInterface>(new GrantingAccessPoint());
    };
    agent = OrAbort(sct::device::DeviceAgent::Create(options, deps));
    OrAbort(agent->Enrol(dv::EnrolRequest()));
    const std::string car = Own(cv::ASYMMETRIC, {"unlock", "lock", "drive"}, "car-1");
    const std::string room = Own(cv::SYMMETRIC, {"enter"}, "room-101");
    if (car.size() != sizeof(kCarKeyPlaceholder) - 1 ||
        room.size() != sizeof(kRoomKeyPlaceholder) - 1) {
      std::abort();  // the placeholders must keep the proto encoding's lengths
    }
    service = std::make_unique<sct::device::DeviceAgentGrpcService>(agent.get());
    harness = std::make_unique<sct::fuzz::GrpcFuzzHarness>(service.get(),
                                                           dv::DeviceAgent::service_full_name());
    harness->set_substitutions({{kCarKeyPlaceholder, car}, {kRoomKeyPlaceholder, room}});
    harness->set_request_filter(BoundRoundTimeout);
  }

  // A new attested key with an owner credential of `kind` installed on it.
  std::string Own(cv::CredentialKind kind, std::vector<std::string> entitlements,
                  const std::string& access_point_id) {
    dv::PrepareKeyResponse key = OrAbort(agent->PrepareKey(dv::PrepareKeyRequest()));
    dv::InstallCredentialRequest install;
    install.set_key_id(key.key_id());
    *install.mutable_credential() =
        oem.IssueOwnerCredential(key.public_key(), kind, std::move(entitlements), access_point_id);
    install.set_label("Owner key");
    return OrAbort(agent->InstallCredential(install)).credential_id();
  }

  SteppingClock clock{absl::FromUnixSeconds(1735689600)};
  CallLog log;
  FakeOem oem;
  FakeRelay relay;
  FakeChannel channel;
  std::unique_ptr<sct::device::SecureElement> se;
  std::unique_ptr<sct::device::DeviceAgent> agent;
  std::unique_ptr<sct::device::DeviceAgentGrpcService> service;
  std::unique_ptr<sct::fuzz::GrpcFuzzHarness> harness;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  World world;
  world.harness->RunInput(data, size);
  return 0;
}
