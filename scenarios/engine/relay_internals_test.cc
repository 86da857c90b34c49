// The rules that make a scenario not applicable to a relay attached by URL:
// each part of the scenario that needs the relay's internals gives one
// reason naming it; a plain share/accept/use flow needs none.
#include "scenarios/engine/relay_internals.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

sv1::Scenario Parse(const std::string& text) {
  sv1::Scenario s;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &s)) << text;
  return s;
}

constexpr RelayOffer kByUrl{false, false, false};

constexpr char kFlow[] = R"pb(
  topology {
    relay {}
    devices { id: "alice-phone" oem: "oem-a" }
    devices { id: "bob-phone" oem: "oem-a" }
  }
  steps {
    id: "share"
    actor: "alice-phone"
    share { credential: "alice-car" to: "bob-phone" channel: SMS save_as: "share-1" }
  }
  steps { id: "accept" actor: "bob-phone" accept { share: "share-1" save_as: "bob-car" } }
  steps { id: "unlock" actor: "bob-phone" use { credential: "bob-car" access_point: "car-1" action: "unlock" } }
  assertions {
    name: "relay learns nothing"
    knowledge { actor: "relay" must_not_learn: [ MAILBOX_SECRET ] }
  }
)pb";

TEST(RelayInternalsNeeded, ShareAcceptUseIsApplicableToARelayByUrl) {
  EXPECT_THAT(RelayInternalsNeeded(Parse(kFlow), kByUrl), IsEmpty());
}

TEST(RelayInternalsNeeded, RelayAttestationNeedsALaunchedRelayPinInKeyDoesNot) {
  sv1::Scenario s = Parse(kFlow);
  s.mutable_topology()->mutable_architecture()->set_pin_binding(sv1::BOUND_INTO_KEY);
  EXPECT_THAT(RelayInternalsNeeded(s, kByUrl), IsEmpty());
  s.mutable_topology()->mutable_architecture()->set_relay_verifies_attestation(true);
  EXPECT_THAT(RelayInternalsNeeded(s, kByUrl),
              ElementsAre(HasSubstr("topology.architecture.relay_verifies_attestation")));
  EXPECT_THAT(RelayInternalsNeeded(s, RelayOffer()), IsEmpty());
}

TEST(RelayInternalsNeeded, RelayRestartFaultIsNotApplicableAndNamesTheFault) {
  sv1::Scenario s = Parse(kFlow);
  sv1::Fault* f = s.add_faults();
  f->set_name("relay crash");
  f->set_from_step("accept");
  f->mutable_restart()->set_service("relay");
  EXPECT_THAT(RelayInternalsNeeded(s, kByUrl),
              ElementsAre(AllOf(HasSubstr("fault \"relay crash\""),
                                HasSubstr("kills and restarts the relay"))));
  // A launched relay can be restarted.
  EXPECT_THAT(RelayInternalsNeeded(s, RelayOffer{}), IsEmpty());
}

TEST(RelayInternalsNeeded, OhttpNeedsALaunchedRelay) {
  sv1::Scenario s = Parse(kFlow);
  s.mutable_topology()->mutable_architecture()->set_ohttp(true);
  EXPECT_THAT(RelayInternalsNeeded(s, kByUrl),
              ElementsAre(HasSubstr("topology.architecture.ohttp: the OHTTP gateway")));
  EXPECT_THAT(RelayInternalsNeeded(s, RelayOffer{}), IsEmpty());
}

TEST(RelayInternalsNeeded, RestartOfAnotherServiceIsApplicable) {
  sv1::Scenario s = Parse(kFlow);
  sv1::Fault* f = s.add_faults();
  f->set_name("oem crash");
  f->mutable_restart()->set_service("oem-a");
  EXPECT_THAT(RelayInternalsNeeded(s, kByUrl), IsEmpty());
}

TEST(RelayInternalsNeeded, EachRelayInternalGivesItsReason) {
  sv1::Scenario s = Parse(R"pb(
    topology {
      relay { store: MEMORY default_ttl: "2h" flags: [ "--rate_window=1m" ] }
      devices { id: "alice-phone" oem: "oem-a" relay_api: GRPC }
    }
    steps { id: "later" advance_clock { by: "49h" } }
    steps { id: "ap-only" advance_clock { by: "1h" services: [ "car-1" ] } }
    steps { id: "crash" service { service: "relay" op: KILL } }
    steps { id: "pushed" actor: "alice-phone" wait_for_event { event: EVENT_PUSH_RECEIVED } }
    faults { name: "skew" clock_skew { service: "relay" offset: "1h" } }
    faults { name: "down" outage { service: "relay" } }
    faults { name: "lost push" link { from: "relay" to: "oem-a" drop: 1 } }
    faults { name: "ap skew" clock_skew { service: "car-1" offset: "1h" } }
    adversaries { name: "relay-operator" relay_dump {} }
  )pb");
  const std::vector<std::string> reasons = RelayInternalsNeeded(s, kByUrl);
  EXPECT_THAT(reasons,
              ElementsAre(HasSubstr("topology.relay.store MEMORY"),
                          HasSubstr("topology.relay.default_ttl/max_ttl"),
                          HasSubstr("topology.relay.flags [--rate_window=1m]"),
                          HasSubstr("\"alice-phone\": relay_api GRPC"),
                          HasSubstr("step \"later\": advances every clock"),
                          HasSubstr("step \"crash\": kills the relay"),
                          HasSubstr("step \"pushed\": waits for a push"),
                          HasSubstr("fault \"skew\": skews the relay's clock"),
                          HasSubstr("fault \"down\": makes the relay answer UNAVAILABLE"),
                          HasSubstr("fault \"lost push\": disturbs calls relay -> oem-a"),
                          HasSubstr("adversary \"relay-operator\": dumps the relay's store")));
  // The relay launched by the engine offers all of it.
  EXPECT_THAT(RelayInternalsNeeded(s, RelayOffer{}), IsEmpty());
}

TEST(RelayInternalsNeeded, SimServicesAllowClockControlButNotARestart) {
  sv1::Scenario s = Parse(R"pb(
    topology { relay {} }
    steps { id: "later" advance_clock { by: "49h" } }
    steps { id: "crash" service { service: "relay" op: RESTART } }
  )pb");
  EXPECT_THAT(RelayInternalsNeeded(s, RelayOffer{false, true, true}),
              ElementsAre(HasSubstr("step \"crash\": restarts the relay")));
}

TEST(RelayInternalsNeeded, DerivedLocationsNeedsTheLaunchedDerivedRelay) {
  sv1::Scenario s = Parse(kFlow);
  s.mutable_topology()->mutable_architecture()->set_relay_design(sv1::DERIVED_LOCATIONS);
  EXPECT_THAT(RelayInternalsNeeded(s, RelayOffer{}), IsEmpty());
  EXPECT_THAT(RelayInternalsNeeded(s, kByUrl),
              ElementsAre(HasSubstr("topology.architecture.relay_design DERIVED_LOCATIONS")));
}

TEST(RelayInternalsNeeded, DirectExercisesNoRelay) {
  sv1::Scenario s = Parse(kFlow);
  s.mutable_topology()->mutable_architecture()->set_relay_design(sv1::DIRECT);
  EXPECT_THAT(RelayInternalsNeeded(s, RelayOffer{}), IsEmpty());
  EXPECT_THAT(RelayInternalsNeeded(s, kByUrl),
              ElementsAre(HasSubstr("topology.architecture.relay_design DIRECT: no relay")));
}

TEST(RelayOfferOf, AttachedEndpointOffersWhatItDeclares) {
  sv1::Scenario s = Parse(R"pb(topology {
                                 relay { attach { http_url: "https://127.0.0.1:1" } }
                               })pb");
  RelayOffer o = RelayOfferOf(s.topology().relay());
  EXPECT_FALSE(o.launched);
  EXPECT_FALSE(o.sim_services);
  EXPECT_FALSE(o.grpc);
  o = RelayOfferOf(sv1::RelaySpec());
  EXPECT_TRUE(o.launched && o.sim_services && o.grpc);
}

}  // namespace
}  // namespace sct::scenarios
