// The DeviceAgent test fixture (testonly): devices wired to the shared fakes
// of fake_services.h (OEM with a minimal authority, relay, channel) and a
// gMock access point, on a FakeClock. Single-threaded test use.
#ifndef SCT_DEVICE_DEVICE_AGENT_FIXTURE_H_
#define SCT_DEVICE_DEVICE_AGENT_FIXTURE_H_

#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/uuid.h"
#include "device/device_agent.h"
#include "device/fake_services.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/access_point/v1/access_point_mock.grpc.pb.h"

namespace sct::device::testing {

namespace dv = ::device::v1;
namespace cv = ::common::v1;

inline std::string TmpPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

// One simulated device wired to the shared fakes.
struct Device {
  std::unique_ptr<SecureElement> se;
  std::unique_ptr<DeviceAgent> agent;
};

class DeviceAgentTest : public ::testing::Test {
 protected:
  DeviceAgentTest() : oem_("oem-a", &clock_, &log_), relay_(&log_), channel_(&log_) {}

  // `pin_in_key`: DeviceAgentOptions::pin_in_key (the pin-in-key variant);
  // `push_tokens`: DeviceAgentOptions::push_tokens (false: a vendorless device).
  Device MakeDevice(const std::string& address, const std::string& state_file = "",
                    bool pin_in_key = false, bool push_tokens = true) {
    Device d;
    d.se = *SecureElement::Open(state_file);
    DeviceAgentOptions options;
    options.oem_id = "oem-a";
    options.address = address;
    options.pin_in_key = pin_in_key;
    options.push_tokens = push_tokens;
    DeviceAgentDeps deps;
    deps.clock = &clock_;
    deps.secure_element = d.se.get();
    deps.oem = &oem_;
    deps.relay = &relay_;
    deps.relay_target = "relay.test:443";
    deps.channel = &channel_;
    deps.access_point_factory = [this](const std::string&) {
      return std::unique_ptr<::access_point::v1::AccessPoint::StubInterface>(
          new ForwardingAp(&ap_));
    };
    auto agent = DeviceAgent::Create(options, deps);
    EXPECT_TRUE(agent.ok()) << agent.status();
    d.agent = *std::move(agent);
    return d;
  }

  // Enrols and installs an owner credential of `kind`; returns its id.
  std::string Own(Device& d, cv::CredentialKind kind) {
    EXPECT_TRUE(d.agent->Enrol({}).ok());
    dv::PrepareKeyRequest pk;
    auto key = d.agent->PrepareKey(pk);
    EXPECT_TRUE(key.ok()) << key.status();
    cv::Credential cred = oem_.IssueOwnerCredential(
        key->public_key(), kind,
        kind == cv::SYMMETRIC ? std::vector<std::string>{"enter"}
                              : std::vector<std::string>{"unlock", "lock", "drive"},
        kind == cv::SYMMETRIC ? "room-101" : "car-1");
    dv::InstallCredentialRequest ic;
    ic.set_key_id(key->key_id());
    *ic.mutable_credential() = cred;
    ic.set_label("Owner key");
    auto installed = d.agent->InstallCredential(ic);
    EXPECT_TRUE(installed.ok()) << installed.status();
    return cred.credential_id();
  }

  dv::ShareCredentialRequest ShareReq(const std::string& cred, const std::string& to) {
    dv::ShareCredentialRequest r;
    r.set_request_id(NewUuidV4());
    r.set_credential_id(cred);
    r.add_entitlements("unlock");
    r.set_channel(cv::SMS);
    r.set_to_address(to);
    r.set_vertical(cv::VERTICAL_CAR);
    return r;
  }

  // `alice` owns an asymmetric car key and shares it in several rounds with
  // `bob` (enrolled here), whose inbox is SMS +15550002; `auto_answer`:
  // Alice's device answers Bob's key-signing request by itself.
  absl::StatusOr<dv::ShareCredentialResponse> ShareInRounds(Device& alice, Device& bob,
                                                           bool auto_answer) {
    std::string cred = Own(alice, cv::ASYMMETRIC);
    EXPECT_TRUE(bob.agent->Enrol({}).ok());
    auto req = ShareReq(cred, "+15550002");
    req.set_multi_round(true);
    req.set_auto_answer(auto_answer);
    return alice.agent->ShareCredential(req);
  }

  // The hotel desk `hotel` shares symmetric key `cred` (all its entitlements)
  // by e-mail with `to`; the AcceptLinkRequest that reads `to`'s inbox.
  dv::AcceptLinkRequest ShareHotelKeyByEmail(Device& hotel, const std::string& cred,
                                             const std::string& to) {
    auto req = ShareReq(cred, to);
    req.clear_entitlements();
    req.set_channel(cv::EMAIL);
    req.set_vertical(cv::VERTICAL_GENERAL);
    EXPECT_TRUE(hotel.agent->ShareCredential(req).ok());
    dv::AcceptLinkRequest accept;
    accept.mutable_inbox()->set_channel(cv::EMAIL);
    accept.mutable_inbox()->set_address(to);
    return accept;
  }

  dv::AcceptLinkRequest FromInbox(const std::string& address) {
    dv::AcceptLinkRequest r;
    r.set_request_id(NewUuidV4());
    r.mutable_inbox()->set_channel(cv::SMS);
    r.mutable_inbox()->set_address(address);
    return r;
  }

  std::string LastLinkTo(const std::string& address) {
    auto inbox = channel_.Inbox(address);
    if (inbox.empty()) return "";
    std::string body = inbox.back().body();
    return body.substr(body.find("https://"));
  }

  // Delivers the relay's pending pushes to every device (each filters by token).
  void DeliverPushes(std::initializer_list<Device*> devices) {
    for (const auto& p : relay_.TakePushes()) {
      ::oem::v1::DeviceNotification n;
      n.set_kind(::oem::v1::MAILBOX_CHANGED);
      n.set_mailbox_id(p.mailbox_id);
      n.set_token_data(p.token_data);
      for (Device* d : devices) d->agent->HandleNotification(n);
    }
  }

  static std::vector<dv::DeviceEventKind> Kinds(const DeviceAgent& a) {
    std::vector<dv::DeviceEventKind> out;
    for (const auto& e : a.EventsAfter(0, "")) out.push_back(e.kind());
    return out;
  }

  // Forwards to the shared gMock access point (the factory hands out owned stubs).
  class ForwardingAp : public ::testing::NiceMock<::access_point::v1::MockAccessPointStub> {
   public:
    explicit ForwardingAp(::access_point::v1::MockAccessPointStub* target) {
      ON_CALL(*this, GetChallenge(::testing::_, ::testing::_, ::testing::_))
          .WillByDefault(::testing::Invoke([target](auto* c, const auto& r, auto* o) {
            return target->GetChallenge(c, r, o);
          }));
      ON_CALL(*this, Authenticate(::testing::_, ::testing::_, ::testing::_))
          .WillByDefault(::testing::Invoke([target](auto* c, const auto& r, auto* o) {
            return target->Authenticate(c, r, o);
          }));
    }
  };

  FakeClock clock_;
  CallLog log_;
  FakeOem oem_;
  FakeRelay relay_;
  FakeChannel channel_;
  ::testing::NiceMock<::access_point::v1::MockAccessPointStub> ap_;
};

}  // namespace sct::device::testing

#endif  // SCT_DEVICE_DEVICE_AGENT_FIXTURE_H_
