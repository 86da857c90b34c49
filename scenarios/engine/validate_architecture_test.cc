// The validator's checks of the token-model and vendor-trust variants: each
// problem names its field.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scenarios/engine/parse.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Two OEMs and one authority, nothing else to check.
sv1::Scenario TwoVendors() {
  sv1::Scenario s;
  s.set_name("two-vendors");
  sv1::Topology* t = s.mutable_topology();
  t->add_authorities()->set_id("ca");
  t->add_oems()->set_id("oem-a");
  t->add_oems()->set_id("oem-b");
  return s;
}

std::vector<std::string> Problems(const sv1::Scenario& s) {
  return ValidateScenario(s, nullptr, "f");
}

TEST(ValidateArchitecture, PerOemFormatWithAgreementsBetweenItsOemsIsValid) {
  sv1::Scenario s = TwoVendors();
  sv1::ArchitectureSpec* a = s.mutable_topology()->mutable_architecture();
  a->set_token_model(sv1::PER_OEM_FORMAT);
  sv1::ProvisioningAgreement* g = a->add_agreements();
  g->set_issuer("oem-a");
  g->set_redeemer("oem-b");
  g->set_mutual(true);
  EXPECT_THAT(Problems(s), IsEmpty());
  a->set_agreements_between_all(true);
  EXPECT_THAT(Problems(s), IsEmpty());
}

TEST(ValidateArchitecture, AgreementsNeedThePerOemTokenModel) {
  sv1::Scenario s = TwoVendors();
  sv1::ProvisioningAgreement* g = s.mutable_topology()->mutable_architecture()->add_agreements();
  g->set_issuer("oem-a");
  g->set_redeemer("oem-b");
  s.mutable_topology()->mutable_architecture()->set_agreements_between_all(true);
  EXPECT_THAT(Problems(s),
              ElementsAre(HasSubstr("topology.architecture.agreements_between_all: only with "
                                    "token_model: PER_OEM_FORMAT"),
                          HasSubstr("topology.architecture.agreements[0]: only with token_model: "
                                    "PER_OEM_FORMAT")));
}

TEST(ValidateArchitecture, AgreementIdsMustBeOtherOemsOfTheTopology) {
  sv1::Scenario s = TwoVendors();
  sv1::ArchitectureSpec* a = s.mutable_topology()->mutable_architecture();
  a->set_token_model(sv1::PER_OEM_FORMAT);
  a->add_agreements()->set_issuer("oem-z");
  sv1::ProvisioningAgreement* self = a->add_agreements();
  self->set_issuer("oem-a");
  self->set_redeemer("oem-a");
  EXPECT_THAT(
      Problems(s),
      ElementsAre(
          HasSubstr("topology.architecture.agreements[0].issuer: \"oem-z\" is not an OEM of the "
                    "topology"),
          HasSubstr("topology.architecture.agreements[0].redeemer: required"),
          HasSubstr("topology.architecture.agreements[1].redeemer: a vendor always redeems its "
                    "own format")));
}

TEST(ValidateArchitecture, PerOemFormatNeedsLaunchedOems) {
  sv1::Scenario s = TwoVendors();
  s.mutable_topology()->mutable_oems(1)->mutable_attach()->set_grpc_address("127.0.0.1:1");
  s.mutable_topology()->mutable_architecture()->set_token_model(sv1::PER_OEM_FORMAT);
  EXPECT_THAT(Problems(s), ElementsAre(HasSubstr("topology.architecture.token_model: "
                                                 "PER_OEM_FORMAT needs launched OEM servers; "
                                                 "\"oem-b\" is attached")));
}

TEST(ValidateArchitecture, AuthorityTrustsNamesAuthoritiesAndOemsOfTheTopology) {
  sv1::Scenario s = TwoVendors();
  auto* trusts = s.mutable_topology()->mutable_architecture()->mutable_authority_trusts();
  (*trusts)["ca"].add_oems("oem-a");
  EXPECT_THAT(Problems(s), IsEmpty());
  (*trusts)["ca"].add_oems("oem-z");
  (*trusts)["ca-2"].add_oems("oem-a");
  std::vector<std::string> problems = Problems(s);
  ASSERT_EQ(problems.size(), 2u) << ::testing::PrintToString(problems);
  EXPECT_THAT(problems, ::testing::UnorderedElementsAre(
                            HasSubstr("topology.architecture.authority_trusts: \"ca\": \"oem-z\" "
                                      "is not an OEM of the topology"),
                            HasSubstr("topology.architecture.authority_trusts: \"ca-2\" is not "
                                      "an authority of the topology")));
}

TEST(ValidateArchitecture, AnAuthorityTrustingNoVendorIsRefused) {
  sv1::Scenario s = TwoVendors();
  (*s.mutable_topology()->mutable_architecture()->mutable_authority_trusts())["ca"];
  EXPECT_THAT(Problems(s), ElementsAre(HasSubstr("\"ca\": list at least one OEM")));
}

// TwoVendors with alice-phone (oem-a) and bob-key (oem-b).
sv1::Scenario TwoDevices() {
  sv1::Scenario s = TwoVendors();
  sv1::DeviceSpec* alice = s.mutable_topology()->add_devices();
  alice->set_id("alice-phone");
  alice->set_oem("oem-a");
  sv1::DeviceSpec* bob = s.mutable_topology()->add_devices();
  bob->set_id("bob-key");
  bob->set_oem("oem-b");
  return s;
}

TEST(ValidateArchitecture, VendorlessDevicesAreDevicesOfTheTopologyOrStar) {
  sv1::Scenario s = TwoDevices();
  sv1::ArchitectureSpec* a = s.mutable_topology()->mutable_architecture();
  a->add_vendorless_devices("bob-key");
  EXPECT_THAT(Problems(s), IsEmpty());
  a->set_vendorless_devices(0, "*");
  EXPECT_THAT(Problems(s), IsEmpty());
  a->set_vendorless_devices(0, "bob-phone");
  EXPECT_THAT(Problems(s), ElementsAre(HasSubstr("topology.architecture.vendorless_devices[0]: "
                                                 "\"bob-phone\" is not a device of the topology")));
  a->set_vendorless_devices(0, "bob-key");
  a->add_vendorless_devices("bob-key");
  a->add_vendorless_devices("*");
  EXPECT_THAT(Problems(s),
              ElementsAre(HasSubstr("vendorless_devices[1]: \"bob-key\" is listed twice"),
                          HasSubstr("vendorless_devices[2]: \"*\" (every device) must be the "
                                    "only entry")));
}

TEST(ValidateArchitecture, VendorlessDevicesHaveNoVendorFormatOrVendorTrustList) {
  sv1::Scenario s = TwoDevices();
  sv1::ArchitectureSpec* a = s.mutable_topology()->mutable_architecture();
  a->add_vendorless_devices("*");
  a->set_token_model(sv1::PER_OEM_FORMAT);
  (*a->mutable_authority_trusts())["ca"].add_oems("oem-a");
  EXPECT_THAT(Problems(s),
              ElementsAre(HasSubstr("topology.architecture.vendorless_devices: a device without "
                                    "a vendor server has no vendor format"),
                          HasSubstr("topology.architecture.vendorless_devices: authority_trusts "
                                    "lists vendors")));
}

TEST(ValidateArchitecture, VendorlessDevicesAreLaunchedAndTheirAuthorityToo) {
  sv1::Scenario s = TwoDevices();
  s.mutable_topology()->mutable_architecture()->add_vendorless_devices("bob-key");
  s.mutable_topology()->mutable_devices(1)->mutable_attach()->set_grpc_address("127.0.0.1:1");
  s.mutable_topology()->mutable_authorities(0)->mutable_attach()->set_grpc_address(
      "127.0.0.1:2");
  std::vector<std::string> problems = Problems(s);
  EXPECT_THAT(problems, ::testing::Contains(HasSubstr(
                            "topology.devices[1].attach: a vendorless device")));
  EXPECT_THAT(problems, ::testing::Contains(HasSubstr(
                            "topology.devices[1].oem: the vendorless device enrols with the "
                            "authority of \"oem-b\", which is attached")));
  // alice-phone keeps its vendor: attaching it is not the variant's concern.
  EXPECT_THAT(problems, ::testing::Not(::testing::Contains(HasSubstr("devices[0]"))));
}

TEST(ValidateArchitecture, AuthorityLockoutLimitIsInRangeAndOnlyForALaunchedAuthority) {
  sv1::Scenario s = TwoVendors();
  sv1::AuthoritySpec* ca = s.mutable_topology()->mutable_authorities(0);
  ca->set_max_pin_attempts(100);
  EXPECT_THAT(Problems(s), IsEmpty());
  ca->set_max_pin_attempts(101);
  EXPECT_THAT(Problems(s), ElementsAre(HasSubstr(
                               "topology.authorities[0].max_pin_attempts: 101 is out of range")));
  ca->set_max_pin_attempts(3);
  ca->mutable_attach()->set_grpc_address("127.0.0.1:9");
  EXPECT_THAT(Problems(s), Contains(HasSubstr("topology.authorities[0].max_pin_attempts: only for "
                                              "a launched authority")));
}

TEST(ValidateArchitecture, MaliciousRelayOnlyForALaunchedMailboxRelay) {
  sv1::Scenario s = TwoVendors();
  sv1::RelaySpec* relay = s.mutable_topology()->mutable_relay();
  relay->add_malicious(sv1::DROP_ROUND);
  relay->add_malicious(sv1::SWAP_PAYLOADS);
  EXPECT_THAT(Problems(s), IsEmpty());

  relay->add_malicious(sv1::MALICIOUS_BEHAVIOUR_UNSPECIFIED);
  EXPECT_THAT(Problems(s),
              ElementsAre(HasSubstr("topology.relay.malicious[2]: must name a behaviour")));
  relay->mutable_malicious()->RemoveLast();

  relay->mutable_attach()->set_grpc_address("relay.example:443");
  EXPECT_THAT(Problems(s), Contains(HasSubstr("topology.relay.malicious: only for a launched "
                                              "relay; not with attach")));
  relay->clear_attach();

  s.mutable_topology()->mutable_architecture()->set_relay_design(sv1::DERIVED_LOCATIONS);
  EXPECT_THAT(Problems(s), Contains(HasSubstr("topology.relay.malicious: only for the mailbox "
                                              "relay")));
}

}  // namespace
}  // namespace sct::scenarios
