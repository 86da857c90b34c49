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

}  // namespace
}  // namespace sct::scenarios
