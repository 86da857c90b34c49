#include "scenarios/launcher/token_model.h"

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

sv1::Topology Parse(const std::string& text) {
  sv1::Topology t;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &t)) << text;
  return t;
}

constexpr char kThreeVendors[] = R"pb(
  oems { id: "oem-a" }
  oems { id: "oem-b" }
  oems { id: "oem-c" }
)pb";

TEST(TokenModelTest, TheStandardTokenNeedsNoFlagsAndNoCensus) {
  sv1::Topology t = Parse(kThreeVendors);
  EXPECT_THAT(OemTokenModelFlags(t, "oem-a", WorkDir("/w")), IsEmpty());
  EXPECT_EQ(CensusOf(t).vendors(), 0u);
  EXPECT_THAT(AgreedPairs(t), IsEmpty());
}

TEST(TokenModelTest, AnAgreementIsOneDirectionUnlessMutual) {
  sv1::Topology t = Parse(std::string(kThreeVendors) + R"pb(
    architecture {
      token_model: PER_OEM_FORMAT
      agreements { issuer: "oem-a" redeemer: "oem-b" }
      agreements { issuer: "oem-b" redeemer: "oem-c" mutual: true }
    }
  )pb");
  EXPECT_THAT(OemTokenModelFlags(t, "oem-b", WorkDir("/w")),
              ElementsAre("--token_model=per_oem_format",
                          "--provisioning_agreements=oem-a=/w/data/oem-a-attestation.pem,"
                          "oem-c=/w/data/oem-c-attestation.pem"));
  EXPECT_THAT(OemTokenModelFlags(t, "oem-a", WorkDir("/w")),
              ElementsAre("--token_model=per_oem_format", "--provisioning_agreements="));
  const sv1::AgreementCensus census = CensusOf(t);
  EXPECT_EQ(census.vendors(), 3u);
  EXPECT_EQ(census.needed_directed(), 6u);
  EXPECT_EQ(census.needed_mutual(), 3u);
  EXPECT_EQ(census.declared_directed(), 3u);
  ASSERT_EQ(census.missing_size(), 3);
  EXPECT_EQ(census.missing(0).issuer(), "oem-a");
  EXPECT_EQ(census.missing(0).redeemer(), "oem-c");
  EXPECT_EQ(census.missing(1).issuer(), "oem-b");
  EXPECT_EQ(census.missing(1).redeemer(), "oem-a");
  EXPECT_EQ(census.missing(2).issuer(), "oem-c");
  EXPECT_EQ(census.missing(2).redeemer(), "oem-a");
}

TEST(TokenModelTest, AgreementsBetweenAllLeaveNoPairOut) {
  sv1::Topology t = Parse(std::string(kThreeVendors) + R"pb(
    architecture { token_model: PER_OEM_FORMAT agreements_between_all: true }
  )pb");
  const sv1::AgreementCensus census = CensusOf(t);
  EXPECT_EQ(census.declared_directed(), 6u);
  EXPECT_THAT(census.missing(), IsEmpty());
}

TEST(TokenModelTest, NoAgreementLeavesEveryCrossVendorPairOut) {
  sv1::Topology t = Parse(std::string(kThreeVendors) + R"pb(
    architecture { token_model: PER_OEM_FORMAT }
  )pb");
  EXPECT_EQ(CensusOf(t).missing_size(), 6);
}

TEST(TokenModelTest, AnAuthorityListedInTrustsGetsItsList) {
  sv1::ArchitectureSpec a;
  (*a.mutable_authority_trusts())["ca"].add_oems("oem-a");
  (*a.mutable_authority_trusts())["ca"].add_oems("oem-c");
  EXPECT_THAT(AuthorityTrustFlags(a, "ca"), ElementsAre("--trusted_oems=oem-a,oem-c"));
  EXPECT_THAT(AuthorityTrustFlags(a, "other"), IsEmpty());
}

}  // namespace
}  // namespace sct::scenarios
