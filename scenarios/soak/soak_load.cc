#include "scenarios/soak/soak_load.h"

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/status_mapping.h"
#include "common/uuid.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/grpcpp.h"
#include "proto/device/v1/device.grpc.pb.h"
#include "scenarios/bench/flow_driver.h"
#include "scenarios/soak/audits.h"

namespace sct::soak {
namespace {

namespace dv1 = ::device::v1;
using bench::Flow;
using bench::FlowDriver;
using bench::FlowParties;
using Outcome = RevocationWatch::Outcome;

constexpr char kPersona[] = "personal";

// Devices forget finished exchanges and revoked credentials 2 minutes after
// they ended (the product default is an hour; docs/device.md "Retention"),
// and the channel server its inbox messages and delivery log 2 minutes after
// they were delivered or sent (default an hour; docs/channel.md "Retention"),
// so that a run of minutes shows their bounded steady state.
constexpr char kTopology[] = R"pb(
  relay {
    store: STORE
    flags: [ "--failed_lookups_per_window=1000000", "--creates_per_window=1000000" ]
  }
  authorities { id: "ca" }
  oems { id: "oem-a" }
  oems { id: "oem-b" }
  access_points { id: "car-1" kind: CAR revocation: WATCH }
  access_points { id: "door-1" kind: DOOR revocation: POLL poll_interval: "2s" }
  access_points { id: "hotel-1" kind: HOTEL_LOCK revocation: POLL poll_interval: "1s" }
  devices {
    id: "alice"
    oem: "oem-a"
    flags: "--wallet_retention=2m"
    addresses { channel: SMS address: "+15550001" }
  }
  devices {
    id: "bob"
    oem: "oem-b"
    flags: "--wallet_retention=2m"
    addresses { channel: SMS address: "+15550002" }
    addresses { channel: EMAIL address: "bob@example.test" }
  }
  devices {
    id: "carol"
    oem: "oem-a"
    flags: "--wallet_retention=2m"
    addresses { channel: SMS address: "+15550003" }
    addresses { channel: EMAIL address: "carol@example.test" }
  }
  devices {
    id: "dave"
    oem: "oem-b"
    flags: "--wallet_retention=2m"
    addresses { channel: EMAIL address: "dave@example.test" }
  }
  devices {
    id: "mallory"
    oem: "oem-a"
    flags: "--wallet_retention=2m"
    addresses { channel: SMS address: "+15550009" }
  }
  channel_flags: "--message_retention=2m"
  channels { kind: SMS delay: "0s" }
  channels { kind: EMAIL delay: "0s" }
  owner_credentials {
    id: "alice-car"
    device: "alice"
    access_point: "car-1"
    entitlements: [ "unlock", "lock", "drive" ]
    validity { not_before: "-1h" not_after: "720h" }
  }
  owner_credentials {
    id: "carol-door"
    device: "carol"
    access_point: "door-1"
    entitlements: [ "enter", "unlock", "lock" ]
    validity { not_before: "-1h" not_after: "720h" }
  }
  owner_credentials {
    id: "dave-room"
    device: "dave"
    access_point: "hotel-1"
    kind: SYMMETRIC
    entitlements: [ "enter" ]
    validity { not_before: "-1h" not_after: "72h" }
  }
  clock: REAL
)pb";

std::unique_ptr<dv1::DeviceAgent::Stub> DeviceStub(SoakContext& ctx, const std::string& name) {
  absl::MutexLock lock(ctx.eco_mu);
  auto channel = ctx.eco->Channel(name);
  if (!channel.ok()) return nullptr;
  return dv1::DeviceAgent::NewStub(*channel);
}

// A connected FlowDriver for `parties`, retried while a fault keeps a
// service away; nullptr when the run stops first.
std::unique_ptr<FlowDriver> Driver(SoakContext& ctx, const FlowParties& parties, bool pin) {
  while (!ctx.stopping()) {
    auto d = std::make_unique<FlowDriver>(*ctx.eco, pin, ctx.options->rpc_timeout,
                                          ctx.options->link_timeout, parties);
    absl::Status s;
    {
      absl::MutexLock lock(ctx.eco_mu);
      s = d->Connect();
    }
    if (s.ok()) return d;
    ctx.book->FlowFailed("connect", absl::Now(), absl::Now(), s.ToString());
    ctx.Pause(absl::Seconds(2));
  }
  return nullptr;
}

// Records one FlowDriver flow that started at `t0`; true when it completed.
bool Record(SoakContext& ctx, const std::string& kind, const Flow& f, absl::Time t0) {
  if (f.ok) {
    ctx.book->FlowOk(kind);
    return true;
  }
  ctx.book->FlowFailed(kind, t0, absl::Now(), absl::StrCat(f.failed_phase, ": ", f.error));
  return false;
}

// Revokes `share_id` as `persona` on `sender`, retrying through faults for
// up to a minute; the time the authority acknowledged it, or nullopt.
std::optional<absl::Time> Revoke(SoakContext& ctx, dv1::DeviceAgent::Stub& sender,
                                 const std::string& share_id) {
  const absl::Time t0 = absl::Now();
  const std::string request_id = NewUuidV4();
  while (!ctx.stopping() && absl::Now() < t0 + absl::Minutes(1)) {
    dv1::RevokeRequest req;
    req.set_request_id(request_id);
    req.set_persona(kPersona);
    req.set_share_id(share_id);
    req.set_reason("soak");
    ::credential_authority::v1::RevokeResponse resp;
    grpc::ClientContext call;
    call.set_deadline(absl::ToChronoTime(absl::Now() + ctx.options->rpc_timeout));
    grpc::Status s = sender.Revoke(&call, req, &resp);
    if (s.ok()) {
      ctx.book->FlowOk("revoke");
      return absl::Now();
    }
    ctx.book->FlowFailed("revoke", t0, absl::Now(), FromGrpcStatus(s).ToString());
    ctx.Pause(absl::Seconds(1));
  }
  return std::nullopt;
}

// One use: granted, denied (by the access point, or refused by the device
// because it knows the credential is gone), or a transient error.
Outcome UseOnce(SoakContext& ctx, dv1::DeviceAgent::Stub& holder, const std::string& credential,
                const std::string& access_point, const std::string& action,
                bool* by_device = nullptr) {
  dv1::UseCredentialRequest req;
  req.set_persona(kPersona);
  req.set_credential_id(credential);
  req.set_access_point_address(ctx.access_points[access_point]);
  req.set_action(action);
  dv1::UseCredentialResponse resp;
  grpc::ClientContext call;
  call.set_deadline(absl::ToChronoTime(absl::Now() + ctx.options->rpc_timeout));
  grpc::Status s = holder.UseCredential(&call, req, &resp);
  if (s.ok()) return resp.granted() ? Outcome::kGranted : Outcome::kDenied;
  switch (s.error_code()) {
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::PERMISSION_DENIED:
      if (by_device != nullptr) *by_device = true;
      return Outcome::kDenied;
    default:
      return Outcome::kTransient;
  }
}

// Uses a revoked credential until it is denied: a grant past the bound is a
// violation; no decision within bound + 10 s is a flow error.
void ExpectRevoked(SoakContext& ctx, dv1::DeviceAgent::Stub& holder, const std::string& who,
                   const std::string& credential, const std::string& access_point,
                   const std::string& action, absl::Time acked) {
  RevocationWatch watch(acked, ctx.options->revocation_bound);
  bool by_device = false;
  while (!ctx.stopping()) {
    const absl::Time at = absl::Now();
    by_device = false;
    if (watch.Observe(at, UseOnce(ctx, holder, credential, access_point, action, &by_device))) {
      break;
    }
    if (watch.TimedOut(absl::Now(), absl::Seconds(10))) break;
    absl::SleepFor(absl::Milliseconds(250));
  }
  const std::string what = absl::StrCat(who, "'s credential at ", access_point, ": ");
  if (watch.violated()) {
    ctx.book->Violated(absl::Now(), kRevocationBound, what + watch.Describe());
  } else if (watch.denied()) {
    ctx.book->Held(kRevocationBound);
    ctx.book->RevocationLatency(watch.latency());
    // Who said no: the access point (its revocation list) or the device
    // (it already knew the credential was revoked and did not try).
    ctx.book->FlowOk(by_device ? "revoked_refused_by_device" : "revoked_denied_by_access_point");
  } else if (!ctx.stopping()) {
    ctx.book->FlowFailed("revocation_check", acked, absl::Now(), what + watch.Describe());
  }
}

FlowParties Parties(std::string sender, std::string receiver, std::string from, std::string to,
                    ::common::v1::ChannelKind channel, std::string access_point, std::string owner,
                    std::vector<std::string> entitlements, std::string action,
                    ::common::v1::Vertical vertical) {
  FlowParties p;
  p.sender = std::move(sender);
  p.receiver = std::move(receiver);
  p.sender_address = std::move(from);
  p.receiver_address = std::move(to);
  p.channel = channel;
  p.access_point = std::move(access_point);
  p.owner_credential = std::move(owner);
  p.entitlements = std::move(entitlements);
  p.action = std::move(action);
  p.vertical = vertical;
  return p;
}

}  // namespace

absl::StatusOr<scenario::v1::Topology> SoakTopology(const std::string& store) {
  scenario::v1::Topology topology;
  if (!google::protobuf::TextFormat::ParseFromString(
          absl::StrReplaceAll(kTopology, {{"STORE", store == "memory"  ? "MEMORY"
                                                    : store == "redis" ? "REDIS"
                                                                       : "SQLITE"}}),
          &topology)) {
    return absl::InternalError("the soak topology does not parse");
  }
  return topology;
}

void ChainLoop(SoakContext& ctx) {
  FlowParties ab = Parties("alice", "bob", "+15550001", "+15550002", ::common::v1::SMS, "car-1",
                           "alice-car", {"unlock", "lock"}, "unlock", ::common::v1::VERTICAL_CAR);
  ab.resharing_allowed = true;
  FlowParties bc = Parties("bob", "carol", "+15550002", "+15550003", ::common::v1::SMS, "car-1",
                           "alice-car", {"unlock"}, "unlock", ::common::v1::VERTICAL_CAR);
  std::unique_ptr<FlowDriver> first = Driver(ctx, ab, /*pin=*/false);
  std::unique_ptr<FlowDriver> second = Driver(ctx, bc, /*pin=*/false);
  auto alice = DeviceStub(ctx, "alice");
  auto bob = DeviceStub(ctx, "bob");
  auto carol = DeviceStub(ctx, "carol");
  if (!first || !second || !alice || !bob || !carol) return;
  std::string owner;
  {
    absl::MutexLock lock(ctx.eco_mu);
    owner = ctx.eco->OwnerCredentialId("alice-car");
  }
  for (int i = 0; !ctx.stopping(); ++i) {
    absl::Time t0 = absl::Now();
    Flow f1 = first->RunFlow(i);
    if (!f1.share_id.empty()) ctx.shares->Acknowledge({"alice", owner}, f1.share_id);
    if (!Record(ctx, "share_accept_use", f1, t0)) {
      ctx.Pause(absl::Seconds(1));
      continue;
    }
    t0 = absl::Now();
    second->set_credential_id(f1.credential_id);
    Flow f2 = second->RunFlow(i);
    if (!f2.share_id.empty()) ctx.shares->Acknowledge({"alice", owner}, f2.share_id);
    const bool reshared = Record(ctx, "reshare_accept_use", f2, t0);
    std::optional<absl::Time> acked = Revoke(ctx, *alice, f1.share_id);
    if (!acked.has_value()) continue;
    ExpectRevoked(ctx, *bob, "bob", f1.credential_id, "car-1", "unlock", *acked);
    if (reshared) ExpectRevoked(ctx, *carol, "carol", f2.credential_id, "car-1", "unlock", *acked);
  }
}

void DoorLoop(SoakContext& ctx) {
  FlowParties cd =
      Parties("carol", "dave", "carol@example.test", "dave@example.test", ::common::v1::EMAIL,
              "door-1", "carol-door", {"enter"}, "enter", ::common::v1::VERTICAL_HOME);
  cd.multi_round = true;
  std::unique_ptr<FlowDriver> driver = Driver(ctx, cd, /*pin=*/true);
  auto carol = DeviceStub(ctx, "carol");
  auto dave = DeviceStub(ctx, "dave");
  if (!driver || !carol || !dave) return;
  std::string owner;
  {
    absl::MutexLock lock(ctx.eco_mu);
    owner = ctx.eco->OwnerCredentialId("carol-door");
  }
  for (int i = 0; !ctx.stopping(); ++i) {
    const absl::Time t0 = absl::Now();
    Flow f = driver->RunFlow(i);
    if (!f.share_id.empty()) ctx.shares->Acknowledge({"carol", owner}, f.share_id);
    if (!Record(ctx, "multi_round_pin_accept_use", f, t0)) {
      ctx.Pause(absl::Seconds(1));
      continue;
    }
    std::optional<absl::Time> acked = Revoke(ctx, *carol, f.share_id);
    if (acked.has_value())
      ExpectRevoked(ctx, *dave, "dave", f.credential_id, "door-1", "enter", *acked);
  }
}

// The lock learns a shared symmetric key on its next poll: a use right after
// accepting may be DENIED_UNKNOWN_CREDENTIAL, so the use is retried for 10 s.
void HotelLoop(SoakContext& ctx) {
  FlowParties db =
      Parties("dave", "bob", "dave@example.test", "bob@example.test", ::common::v1::EMAIL,
              "hotel-1", "dave-room", {"enter"}, "enter", ::common::v1::VERTICAL_GENERAL);
  std::unique_ptr<FlowDriver> driver = Driver(ctx, db, /*pin=*/false);
  auto dave = DeviceStub(ctx, "dave");
  auto bob = DeviceStub(ctx, "bob");
  if (!driver || !dave || !bob) return;
  for (int i = 0; !ctx.stopping(); ++i) {
    const absl::Time t0 = absl::Now();
    Flow f = driver->RunFlow(i);
    if (!f.ok && f.failed_phase == "use") {
      const absl::Time until = absl::Now() + absl::Seconds(10);
      while (absl::Now() < until && !ctx.stopping()) {
        if (UseOnce(ctx, *bob, f.credential_id, "hotel-1", "enter") == Outcome::kGranted) {
          f.ok = true;
          break;
        }
        absl::SleepFor(absl::Milliseconds(250));
      }
      // The run ended during the retries: an unfinished use is no error.
      if (!f.ok && ctx.stopping()) break;
    }
    if (!Record(ctx, "symmetric_accept_use", f, t0)) {
      ctx.Pause(absl::Seconds(1));
      continue;
    }
    std::optional<absl::Time> acked = Revoke(ctx, *dave, f.share_id);
    if (acked.has_value())
      ExpectRevoked(ctx, *bob, "bob", f.credential_id, "hotel-1", "enter", *acked);
  }
}

void RaceLoop(SoakContext& ctx) {
  auto alice = DeviceStub(ctx, "alice");
  auto bob = DeviceStub(ctx, "bob");
  auto mallory = DeviceStub(ctx, "mallory");
  std::unique_ptr<::channel::v1::Channel::Stub> inbox;
  std::string owner;
  {
    absl::MutexLock lock(ctx.eco_mu);
    auto channel = ctx.eco->Channel("channel");
    if (channel.ok()) inbox = ::channel::v1::Channel::NewStub(*channel);
    owner = ctx.eco->OwnerCredentialId("alice-car");
  }
  if (!alice || !bob || !mallory || !inbox) return;
  RedemptionRace race(ctx, *alice, owner, *inbox);
  while (!ctx.stopping()) {
    const absl::Time t0 = absl::Now();
    RedemptionRace::Result r = race.Run(*bob, *mallory);
    if (!r.share_id.empty()) ctx.shares->Acknowledge({"alice", owner}, r.share_id);
    if (!r.error.empty()) {
      ctx.book->FlowFailed("redemption_race", t0, absl::Now(), r.error);
    } else {
      ctx.book->FlowOk("redemption_race");
    }
    if (!r.share_id.empty()) {
      std::optional<absl::Time> acked = Revoke(ctx, *alice, r.share_id);
      // The winner tries the car once the share is revoked, as a thief
      // would, and must be denied. Its device learns the revocation from
      // the denial and forgets the credential one retention period later;
      // a credential its holder never presents again stays in its wallet
      // until it expires (docs/device.md "Retention"; mallory's heap grew
      // by 13 MiB/h when the race's winners never used what they won).
      if (acked.has_value() && !r.credential_id.empty()) {
        ExpectRevoked(ctx, r.winner == "bob" ? *bob : *mallory, r.winner, r.credential_id,
                      "car-1", "unlock", *acked);
      }
    }
    ctx.Pause(absl::Seconds(2));
  }
}

}  // namespace sct::soak
