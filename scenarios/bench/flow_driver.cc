#include "scenarios/bench/flow_driver.h"

#include <algorithm>
#include <iostream>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/status_mapping.h"
#include "common/uuid.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/grpcpp.h"
#include "proto/access_point/v1/access_point.pb.h"

namespace sct::bench {
namespace {

namespace chv1 = ::channel::v1;
namespace dv1 = ::device::v1;
namespace rv1 = ::relay::v1;

constexpr char kPersona[] = "personal";
// A fixed PIN is fine here: the development ecosystem is thrown away.
constexpr char kPin[] = "482915";

constexpr char kTopology[] = R"pb(
  relay { store: STORE }
  authorities { id: "ca" }
  oems { id: "oem-a" }
  oems { id: "oem-b" }
  access_points { id: "car-1" kind: CAR revocation: WATCH }
  devices {
    id: "alice"
    oem: "oem-a"
    addresses { channel: SMS address: "+15550001" }
  }
  devices {
    id: "bob"
    oem: "oem-b"
    addresses { channel: SMS address: "+15550002" }
  }
  channels { kind: SMS delay: "0s" }
  owner_credentials {
    id: "alice-car"
    device: "alice"
    access_point: "car-1"
    entitlements: [ "unlock", "lock", "drive" ]
    validity { not_before: "-1h" not_after: "720h" }
  }
  clock: REAL
)pb";

double Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// "CODE: message" of a failed RPC (gRPC -> absl via common/status_mapping.h).
std::string Describe(absl::string_view rpc, const grpc::Status& s) {
  return absl::StrCat(rpc, ": ", FromGrpcStatus(s).ToString());
}

}  // namespace

absl::StatusOr<scenario::v1::Topology> BenchTopology(const std::string& store) {
  scenario::v1::Topology topology;
  if (!google::protobuf::TextFormat::ParseFromString(
          absl::StrReplaceAll(kTopology, {{"STORE", store == "sqlite" ? "SQLITE" : "MEMORY"}}),
          &topology)) {
    return absl::InternalError("internal topology does not parse");
  }
  return topology;
}

FlowDriver::FlowDriver(scenarios::Ecosystem& eco, bool pin, absl::Duration rpc_timeout,
                       absl::Duration link_timeout, FlowParties parties)
    : eco_(eco),
      pin_(pin),
      rpc_timeout_(rpc_timeout),
      link_timeout_(link_timeout),
      parties_(std::move(parties)) {}

absl::Status FlowDriver::Connect() {
  auto alice = eco_.Channel(parties_.sender);
  if (!alice.ok()) return alice.status();
  auto bob = eco_.Channel(parties_.receiver);
  if (!bob.ok()) return bob.status();
  auto channel = eco_.Channel("channel");
  if (!channel.ok()) return channel.status();
  auto relay = eco_.Channel("relay");
  if (!relay.ok()) return relay.status();
  alice_ = dv1::DeviceAgent::NewStub(*alice);
  bob_ = dv1::DeviceAgent::NewStub(*bob);
  bob_health_ = grpc::health::v1::Health::NewStub(*bob);
  channel_ = chv1::Channel::NewStub(*channel);
  echo_ = rv1::Echo::NewStub(*relay);
  const scenarios::Service* car = eco_.Find(parties_.access_point);
  if (car == nullptr) return absl::NotFoundError(parties_.access_point + " not launched");
  car_address_ = car->grpc_address;
  owner_credential_ = parties_.credential_id.empty()
                          ? eco_.OwnerCredentialId(parties_.owner_credential)
                          : parties_.credential_id;
  if (owner_credential_.empty()) {
    return absl::NotFoundError(parties_.owner_credential + " was not installed");
  }
  // Start the receiver's inbox cursor after anything already there.
  chv1::ReceiveRequest req;
  req.set_kind(parties_.channel);
  req.set_address(parties_.receiver_address);
  chv1::ReceiveResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  grpc::Status s = channel_->Receive(&ctx, req, &resp);
  if (!s.ok()) return FromGrpcStatus(s);
  cursor_ = resp.last_sequence();
  return absl::OkStatus();
}

void FlowDriver::Disconnect() {
  alice_.reset();
  bob_.reset();
  bob_health_.reset();
  channel_.reset();
  echo_.reset();
}

double FlowDriver::EchoOnce() {
  rv1::EchoRequest req;
  req.set_data(std::string(32, 'x'));
  rv1::EchoResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  const Steady::time_point t0 = Steady::now();
  grpc::Status s = echo_->Echo(&ctx, req, &resp);
  const Steady::time_point t1 = Steady::now();
  if (!s.ok() || resp.data() != req.data()) {
    std::cerr << "flow_bench: baseline " << Describe("Echo", s) << "\n";
    return -1;
  }
  return Ms(t1 - t0);
}

double FlowDriver::HealthOnce() {
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  const Steady::time_point t0 = Steady::now();
  grpc::Status s = bob_health_->Check(&ctx, req, &resp);
  const Steady::time_point t1 = Steady::now();
  if (!s.ok()) {
    std::cerr << "flow_bench: baseline " << Describe("Health/Check", s) << "\n";
    return -1;
  }
  return Ms(t1 - t0);
}

Flow FlowDriver::RunFlow(int index) {
  Flow f;
  f.index = index;
  auto fail = [&f](std::string phase, std::string error) {
    f.ok = false;
    f.failed_phase = std::move(phase);
    f.error = std::move(error);
    return f;
  };
  const Steady::time_point t0 = Steady::now();
  dv1::ShareCredentialResponse share;
  std::string error = Share(&share);
  if (!error.empty()) return fail("share", error);
  const Steady::time_point t1 = Steady::now();
  f.share_ms = Ms(t1 - t0);
  f.share_id = share.share_id();

  std::string message_id;
  error = AwaitLink(share, t1, &message_id, &f.link_polls);
  if (!error.empty()) return fail("link", error);
  const Steady::time_point t2 = Steady::now();
  f.link_ms = Ms(t2 - t1);

  std::string credential_id;
  error = Accept(share, message_id, &credential_id);
  if (!error.empty()) return fail("accept", error);
  const Steady::time_point t3 = Steady::now();
  f.accept_ms = Ms(t3 - t2);
  f.credential_id = credential_id;

  error = Use(credential_id);
  if (!error.empty()) return fail("use", error);
  const Steady::time_point t4 = Steady::now();
  f.use_ms = Ms(t4 - t3);
  f.total_ms = Ms(t4 - t0);
  f.ok = true;
  return f;
}

// The sender shares the credential (by default alice's car-1 key: unlock,
// lock) over the channel to the receiver (by default SMS to bob).
std::string FlowDriver::Share(dv1::ShareCredentialResponse* share) {
  dv1::ShareCredentialRequest req;
  req.set_request_id(NewUuidV4());
  req.set_persona(kPersona);
  req.set_credential_id(owner_credential_);
  for (const std::string& e : parties_.entitlements) req.add_entitlements(e);
  if (pin_) req.set_pin(kPin);
  req.set_channel(parties_.channel);
  req.set_from_address(parties_.sender_address);
  req.set_to_address(parties_.receiver_address);
  req.set_vertical(parties_.vertical);
  req.set_resharing_allowed(parties_.resharing_allowed);
  req.set_multi_round(parties_.multi_round);
  req.set_auto_answer(parties_.multi_round);
  req.set_label("bench key");
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  grpc::Status s = alice_->ShareCredential(&ctx, req, share);
  if (!s.ok()) return Describe("ShareCredential", s);
  if (share->link_without_fragment().empty()) return "ShareCredential: no link_without_fragment";
  return "";
}

// The receiver's inbox, polled (bounded) until the message with this share's
// link.
std::string FlowDriver::AwaitLink(const dv1::ShareCredentialResponse& share,
                                  Steady::time_point since, std::string* message_id,
                                  double* polls) {
  const Steady::time_point until =
      since + std::chrono::microseconds(absl::ToInt64Microseconds(link_timeout_));
  while (message_id->empty()) {
    chv1::ReceiveRequest req;
    req.set_kind(parties_.channel);
    req.set_address(parties_.receiver_address);
    req.set_after_sequence(cursor_);
    chv1::ReceiveResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    grpc::Status s = channel_->Receive(&ctx, req, &resp);
    ++*polls;
    if (s.error_code() == grpc::StatusCode::OUT_OF_RANGE && cursor_ > 0) {
      // The channel server restarted with an empty inbox (its sequence is
      // behind our cursor): read the new inbox from its start.
      cursor_ = 0;
      continue;
    }
    if (!s.ok()) return Describe("Receive", s);
    for (const chv1::ChannelMessage& m : resp.messages()) {
      cursor_ = std::max<uint64_t>(cursor_, m.sequence());
      // This share's link (the body holds it with its fragment).
      if (message_id->empty() &&
          m.body().find(share.link_without_fragment() + "#") != std::string::npos) {
        *message_id = m.message_id();
      }
    }
    if (!message_id->empty()) break;
    if (Steady::now() >= until) {
      return absl::StrCat("no link in ", parties_.receiver, "'s inbox after ",
                          absl::FormatDuration(link_timeout_));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return "";
}

// The receiver accepts the link from that inbox message: redeems through its
// OEM and provisions (multi-round: after the sender's automatic answer).
std::string FlowDriver::Accept(const dv1::ShareCredentialResponse& share,
                               const std::string& message_id, std::string* credential_id) {
  dv1::AcceptLinkRequest req;
  req.set_request_id(NewUuidV4());
  req.set_persona(kPersona);
  req.mutable_inbox()->set_channel(parties_.channel);
  req.mutable_inbox()->set_address(parties_.receiver_address);
  req.mutable_inbox()->set_message_id(message_id);
  if (pin_) req.set_pin(kPin);
  if (parties_.multi_round) {
    req.mutable_round_timeout()->set_seconds(absl::ToInt64Seconds(parties_.round_timeout));
  }
  dv1::AcceptLinkResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  grpc::Status s = bob_->AcceptLink(&ctx, req, &resp);
  if (!s.ok()) return Describe("AcceptLink", s);
  if (resp.outcome() != dv1::ACCEPT_PROVISIONED || resp.credential_id().empty()) {
    return absl::StrCat("AcceptLink: outcome ", dv1::AcceptOutcome_Name(resp.outcome()),
                        ", want ACCEPT_PROVISIONED");
  }
  if (resp.share_id() != share.share_id()) return "AcceptLink: provisioned another share";
  *credential_id = resp.credential_id();
  return "";
}

// The receiver uses the new credential at the access point (by default
// unlocks car-1); GRANTED required.
std::string FlowDriver::Use(const std::string& credential_id) {
  dv1::UseCredentialRequest req;
  req.set_persona(kPersona);
  req.set_credential_id(credential_id);
  req.set_access_point_address(car_address_);
  req.set_action(parties_.action);
  dv1::UseCredentialResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  grpc::Status s = bob_->UseCredential(&ctx, req, &resp);
  if (!s.ok()) return Describe("UseCredential", s);
  if (!resp.granted() || resp.reason() != ::access_point::v1::GRANTED) {
    return absl::StrCat("UseCredential ", parties_.action, ": ",
                        ::access_point::v1::AuthReason_Name(resp.reason()), " (", resp.detail(),
                        "), want GRANTED");
  }
  return "";
}

std::chrono::system_clock::time_point FlowDriver::Deadline() const {
  return std::chrono::system_clock::now() +
         std::chrono::microseconds(absl::ToInt64Microseconds(rpc_timeout_));
}

}  // namespace sct::bench
