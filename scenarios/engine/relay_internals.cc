#include "scenarios/engine/relay_internals.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;

constexpr char kRelay[] = "relay";
constexpr char kNeedsLaunch[] = " (needs a relay launched by the engine)";
constexpr char kNeedsSim[] = " (needs the relay's SimControl)";

void RelayConfigNeeds(const sv1::RelaySpec& r, std::vector<std::string>* out) {
  const std::string what = "topology.relay";
  if (r.store() != sv1::STORE_KIND_UNSPECIFIED) {
    out->push_back(absl::StrCat(what, ".store ", sv1::StoreKind_Name(r.store()),
                                ": chooses the relay's store", kNeedsLaunch));
  }
  if (!r.redis_address().empty() || r.has_redis()) {
    out->push_back(absl::StrCat(what, ": chooses the relay's Redis", kNeedsLaunch));
  }
  if (!r.default_ttl().empty() || !r.max_ttl().empty()) {
    out->push_back(absl::StrCat(what, ".default_ttl/max_ttl: sets the relay's mailbox lifetimes",
                                kNeedsLaunch));
  }
  if (r.malicious_size() > 0) {
    out->push_back(absl::StrCat(what, ".malicious: makes the relay misbehave", kNeedsLaunch));
  }
  if (r.flags_size() > 0) {
    out->push_back(absl::StrCat(what, ".flags [", absl::StrJoin(r.flags(), " "),
                                "]: configures the relay", kNeedsLaunch));
  }
}

void StepNeeds(const sv1::Step& st, const RelayOffer& offer, std::vector<std::string>* out) {
  const std::string step = absl::StrCat("step \"", st.id(), "\": ");
  if (st.has_service() && st.service().service() == kRelay && !offer.launched) {
    out->push_back(absl::StrCat(step, absl::AsciiStrToLower(sv1::ServiceOp_Name(st.service().op())),
                                "s the relay", kNeedsLaunch));
  }
  if (st.has_advance_clock() && !offer.sim_services) {
    const auto& services = st.advance_clock().services();
    const bool all = services.empty();
    if (all || std::find(services.begin(), services.end(), kRelay) != services.end()) {
      out->push_back(absl::StrCat(step, "advances ",
                                  all ? "every clock, the relay's too" : "the relay's clock",
                                  kNeedsSim));
    }
  }
  if (st.has_wait_for_event() && !st.wait_for_event().absent() && !offer.launched &&
      st.wait_for_event().event() == ::device::v1::EVENT_PUSH_RECEIVED) {
    out->push_back(absl::StrCat(step,
                                "waits for a push (an attached relay has no route to this "
                                "run's OEMs)",
                                kNeedsLaunch));
  }
}

void FaultNeeds(const sv1::Fault& f, const RelayOffer& offer, std::vector<std::string>* out) {
  const std::string fault = absl::StrCat("fault \"", f.name(), "\": ");
  switch (f.kind_case()) {
    case sv1::Fault::kRestart:
      if (f.restart().service() == kRelay && !offer.launched) {
        out->push_back(absl::StrCat(fault, "kills and restarts the relay", kNeedsLaunch));
      }
      break;
    case sv1::Fault::kClockSkew:
      if (f.clock_skew().service() == kRelay && !offer.sim_services) {
        out->push_back(absl::StrCat(fault, "skews the relay's clock", kNeedsSim));
      }
      break;
    case sv1::Fault::kOutage:
      if (f.outage().service() == kRelay && !offer.sim_services) {
        out->push_back(absl::StrCat(fault, "makes the relay answer UNAVAILABLE", kNeedsSim));
      }
      break;
    case sv1::Fault::kLink:
      if ((f.link().from() == kRelay || f.link().to() == kRelay) && !offer.sim_services) {
        out->push_back(absl::StrCat(fault, "disturbs calls ", f.link().from(), " -> ",
                                    f.link().to(), kNeedsSim));
      }
      break;
    default:
      break;
  }
}

// The design variants that configure the relay itself or run their
// exchanges elsewhere: a relay under test must be launched for them.
void ArchitectureNeeds(const sv1::ArchitectureSpec& a, std::vector<std::string>* out) {
  if (a.relay_verifies_attestation()) {
    out->push_back(absl::StrCat("topology.architecture.relay_verifies_attestation: gives the "
                                "relay the OEMs' attestation roots",
                                kNeedsLaunch));
  }
  if (a.ohttp()) {
    out->push_back(absl::StrCat(
        "topology.architecture.ohttp: the OHTTP gateway is started in front of the relay",
        kNeedsLaunch));
  }
  if (a.relay_design() == sv1::DERIVED_LOCATIONS) {
    out->push_back(absl::StrCat("topology.architecture.relay_design DERIVED_LOCATIONS: every "
                                "exchange runs over the derived relay launched beside the relay, "
                                "not the relay under test",
                                kNeedsLaunch));
  }
  if (a.relay_design() == sv1::DIRECT) {
    out->push_back(absl::StrCat("topology.architecture.relay_design DIRECT: no relay carries the "
                                "exchange (the devices use the proximity link), so nothing of "
                                "the relay under test would be exercised",
                                kNeedsLaunch));
  }
}

}  // namespace

RelayOffer RelayOfferOf(const sv1::RelaySpec& relay) {
  RelayOffer offer;
  if (!relay.has_attach()) return offer;
  offer.launched = false;
  offer.sim_services = relay.attach().has_sim_services();
  offer.grpc = !relay.attach().grpc_address().empty();
  return offer;
}

std::vector<std::string> RelayInternalsNeeded(const sv1::Scenario& s, const RelayOffer& offer) {
  std::vector<std::string> out;
  if (!offer.launched) RelayConfigNeeds(s.topology().relay(), &out);
  if (!offer.launched) ArchitectureNeeds(s.topology().architecture(), &out);
  for (const auto& d : s.topology().devices()) {
    if (!offer.grpc && !d.has_attach() && d.relay_api() == sv1::GRPC) {
      out.push_back(absl::StrCat("topology.devices \"", d.id(),
                                 "\": relay_api GRPC (the relay has no gRPC address)"));
    }
  }
  for (const auto& st : s.steps()) StepNeeds(st, offer, &out);
  for (const auto& f : s.faults()) FaultNeeds(f, offer, &out);
  for (const auto& a : s.adversaries()) {
    if (a.has_relay_dump() && !offer.launched) {
      out.push_back(absl::StrCat("adversary \"", a.name(),
                                 "\": dumps the relay's store files and logs", kNeedsLaunch));
    }
  }
  return out;
}

}  // namespace sct::scenarios
