#include "scenarios/engine/variant_overlay.h"

#include <set>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "scenarios/engine/parse.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

template <typename M>
M Text(const std::string& text) {
  M m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m)) << text;
  return m;
}

TEST(OverlayArchitecture, SetFieldsWinAndUnsetFieldsKeepTheBase) {
  const auto base = Text<sv1::ArchitectureSpec>(
      "token_model: PER_OEM_FORMAT agreements { issuer: 'oem-a' redeemer: 'oem-b' } "
      "relay_verifies_attestation: true");
  const auto over = Text<sv1::ArchitectureSpec>("ohttp: true pin_binding: BOUND_INTO_KEY");
  const sv1::ArchitectureSpec out = OverlayArchitecture(base, over);
  EXPECT_EQ(out.token_model(), sv1::PER_OEM_FORMAT);
  ASSERT_EQ(out.agreements_size(), 1);
  EXPECT_TRUE(out.relay_verifies_attestation());
  EXPECT_TRUE(out.ohttp());
  EXPECT_EQ(out.pin_binding(), sv1::BOUND_INTO_KEY);
}

TEST(OverlayArchitecture, AnExplicitReferenceValueOverridesTheScenario) {
  const auto base = Text<sv1::ArchitectureSpec>("token_model: PER_OEM_FORMAT relay_design: DIRECT");
  const auto over = Text<sv1::ArchitectureSpec>("token_model: STANDARD_TOKEN");
  const sv1::ArchitectureSpec out = OverlayArchitecture(base, over);
  EXPECT_EQ(out.token_model(), sv1::STANDARD_TOKEN);
  EXPECT_EQ(out.relay_design(), sv1::DIRECT);
}

TEST(OverlayArchitecture, RepeatedAndMapFieldsAreReplacedNotAppended) {
  const auto base = Text<sv1::ArchitectureSpec>(
      "agreements { issuer: 'oem-a' redeemer: 'oem-b' } "
      "agreements { issuer: 'oem-b' redeemer: 'oem-a' } "
      "authority_trusts { key: 'ca' value { oems: 'oem-a' oems: 'oem-b' } } "
      "authority_trusts { key: 'ca-2' value { oems: 'oem-a' } } "
      "vendorless_devices: 'bob-key'");
  const auto over = Text<sv1::ArchitectureSpec>(
      "agreements { issuer: 'oem-c' redeemer: 'oem-a' mutual: true } "
      "authority_trusts { key: 'ca' value { oems: 'oem-c' } } vendorless_devices: '*'");
  const sv1::ArchitectureSpec out = OverlayArchitecture(base, over);
  ASSERT_EQ(out.agreements_size(), 1);
  EXPECT_EQ(out.agreements(0).issuer(), "oem-c");
  EXPECT_TRUE(out.agreements(0).mutual());
  ASSERT_EQ(out.authority_trusts().size(), 1u);
  EXPECT_THAT(out.authority_trusts().at("ca").oems(), ElementsAre("oem-c"));
  EXPECT_THAT(out.vendorless_devices(), ElementsAre("*"));
}

TEST(OverlayArchitecture, EmptyOverlayIsTheBase) {
  const auto base = Text<sv1::ArchitectureSpec>("ohttp: true agreements { issuer: 'a' }");
  EXPECT_EQ(OverlayArchitecture(base, {}).SerializeAsString(), base.SerializeAsString());
}

sv1::Scenario Judged() {
  return Text<sv1::Scenario>(R"pb(
    name: "s"
    steps {
      id: "accept"
      expect { success: true }
      variant_expect {
        key: "per-oem-formats"
        value { error { code: FAILED_PRECONDITION reason: "no_agreement" } }
      }
    }
    steps {
      id: "use"
      expect { access: GRANTED }
    }
    assertions {
      name: "always"
      knowledge { actor: "relay" must_not_learn: PIN }
    }
    assertions {
      name: "only-ohttp"
      knowledge { actor: "relay" must_not_learn: DEVICE_IDENTITY }
      only_variants: "ohttp"
    }
    assertions {
      name: "not-attestation"
      knowledge { actor: "relay" must_not_learn: DEVICE_IDENTITY }
      except_variants: "relay-attestation"
    }
  )pb");
}

std::vector<std::string> AssertionNames(const sv1::Scenario& s) {
  std::vector<std::string> names;
  for (const auto& a : s.assertions()) names.push_back(a.name());
  return names;
}

TEST(SelectForVariant, TheVariantsExpectationReplacesTheDefault) {
  sv1::Scenario s = Judged();
  SelectForVariant("per-oem-formats", s);
  EXPECT_EQ(s.steps(0).expect().error().reason(), "no_agreement");
  EXPECT_TRUE(s.steps(0).variant_expect().empty());
  EXPECT_EQ(s.steps(1).expect().access(), ::access_point::v1::GRANTED);
}

TEST(SelectForVariant, OtherVariantsAndPlainRunsKeepTheDefault) {
  for (const char* name : {"ohttp", ""}) {
    sv1::Scenario s = Judged();
    SelectForVariant(name, s);
    EXPECT_TRUE(s.steps(0).expect().success()) << name;
    EXPECT_TRUE(s.steps(0).variant_expect().empty()) << name;
  }
}

TEST(SelectForVariant, AssertionsFollowOnlyAndExceptVariants) {
  sv1::Scenario s = Judged();
  SelectForVariant("ohttp", s);
  EXPECT_THAT(AssertionNames(s), ElementsAre("always", "only-ohttp", "not-attestation"));
  for (const auto& a : s.assertions()) {
    EXPECT_THAT(a.only_variants(), IsEmpty());
    EXPECT_THAT(a.except_variants(), IsEmpty());
  }
  s = Judged();
  SelectForVariant("relay-attestation", s);
  EXPECT_THAT(AssertionNames(s), ElementsAre("always"));
  s = Judged();
  SelectForVariant("", s);
  EXPECT_THAT(AssertionNames(s), ElementsAre("always", "not-attestation"));
}

TEST(SelectForVariant, SecondCallChangesNothing) {
  sv1::Scenario once = Judged();
  SelectForVariant("relay-attestation", once);
  sv1::Scenario twice = once;
  SelectForVariant("relay-attestation", twice);
  EXPECT_EQ(once.SerializeAsString(), twice.SerializeAsString());
}

TEST(ApplyVariant, OverlaysTheArchitectureAndSelects) {
  sv1::Scenario s = Judged();
  s.mutable_topology()->mutable_architecture()->set_relay_verifies_attestation(true);
  const auto v = Text<sv1::Variant>("name: 'per-oem-formats' architecture { ohttp: true }");
  const sv1::Scenario out = ApplyVariant(s, v);
  EXPECT_TRUE(out.topology().architecture().ohttp());
  EXPECT_TRUE(out.topology().architecture().relay_verifies_attestation());
  EXPECT_EQ(out.steps(0).expect().error().reason(), "no_agreement");
  EXPECT_FALSE(ApplyVariant(Judged(), Text<sv1::Variant>("name: 'reference'"))
                   .topology()
                   .has_architecture());
}

TEST(CheckVariantName, AcceptsLowerCaseDigitsAndDashes) {
  for (const char* ok : {"reference", "per-oem-formats", "pin-in-key", "v2"}) {
    EXPECT_TRUE(CheckVariantName(ok).ok()) << ok;
  }
  for (const char* bad : {"", "Ohttp", "pin_in_key", "-x", "2x", "a b",
                          "a-very-long-variant-name-that-goes-on-and-on"}) {
    EXPECT_EQ(CheckVariantName(bad).code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

// A scenario file using variant names, each name on its own line.
constexpr char kFile[] = R"(name: "v"
topology {
  relay { store: MEMORY }
  authorities { id: "ca" }
  oems { id: "oem-a" }
  access_points { id: "car-1"  kind: CAR }
  devices { id: "alice-phone"  oem: "oem-a" }
  owner_credentials { id: "alice-car"  device: "alice-phone"  access_point: "car-1" }
}
steps {
  id: "unlock"
  actor: "alice-phone"
  use { credential: "alice-car"  access_point: "car-1"  action: "unlock" }
  expect { access: GRANTED }
  variant_expect {
    key: "%s"
    value { access: DENIED_REVOKED }
  }
}
assertions {
  name: "a"
  knowledge { actor: "relay" must_not_learn: PIN }
  only_variants: "%s"
  except_variants: "%s"
}
)";

std::string File(const std::string& expect_key, const std::string& only,
                 const std::string& except) {
  return absl::StrFormat(kFile, expect_key, only, except);
}

std::vector<std::string> Errors(const std::string& text, const std::set<std::string>* known) {
  absl::StatusOr<CheckedScenario> s = ParseCheckedScenario(text, "f.textproto", known);
  if (s.ok()) return {};
  return absl::StrSplit(s.status().message(), '\n');
}

TEST(ParseCheckedScenario, AnyWellFormedVariantNameWithoutAVariantSet) {
  EXPECT_THAT(Errors(File("ohttp", "pin-in-key", "direct-transfer"), nullptr), IsEmpty());
}

TEST(ParseCheckedScenario, BadVariantNamesAreNamedWithTheirLocation) {
  EXPECT_THAT(
      Errors(File("OHTTP", "pin in key", "ok-name"), nullptr),
      ElementsAre(
          "f.textproto:16:5: steps[0].variant_expect[\"OHTTP\"].key: variant name \"OHTTP\" "
          "must start with a lower-case letter",
          "f.textproto:23:3: assertions[0].only_variants[0]: variant name \"pin in key\" may "
          "hold only lower-case letters, digits and '-'"));
}

TEST(ParseCheckedScenario, UnderCompareTheNamesMustBeInTheVariantSet) {
  const std::set<std::string> known = {"ohttp", "reference"};
  EXPECT_THAT(Errors(File("ohttp", "reference", "ohttp"), &known), IsEmpty());
  EXPECT_THAT(Errors(File("ohtp", "reference", "pin-in-key"), &known),
              ElementsAre(HasSubstr("f.textproto:16:5: steps[0].variant_expect[\"ohtp\"].key: "
                                    "unknown variant \"ohtp\" (variants in use: ohttp, "
                                    "reference)"),
                          HasSubstr("f.textproto:24:3: assertions[0].except_variants[0]: "
                                    "unknown variant \"pin-in-key\"")));
}

TEST(ParseCheckedScenario, AVariantExpectationIsCheckedLikeExpect) {
  std::string text = File("ohttp", "a", "b");
  text.replace(text.find("value { access: DENIED_REVOKED }"),
               std::string("value { access: DENIED_REVOKED }").size(), "value { success: false }");
  EXPECT_THAT(Errors(text, nullptr),
              ElementsAre(HasSubstr("steps[0].variant_expect[\"ohttp\"].success: \"success: "
                                    "false\" expects nothing")));
}

TEST(ParseCheckedScenario, SameVariantInOnlyAndExceptIsAnError) {
  EXPECT_THAT(Errors(File("ohttp", "ohttp", "ohttp"), nullptr),
              ElementsAre(HasSubstr("assertions[0].except_variants[0]: variant \"ohttp\" is "
                                    "also in only_variants")));
}

}  // namespace
}  // namespace sct::scenarios
