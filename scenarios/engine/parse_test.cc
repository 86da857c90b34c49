#include "scenarios/engine/parse.h"

#include <cstdlib>
#include <string>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct::scenarios {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::IsEmpty;

std::string Runfile(const std::string& path) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/sct_lab/" + path;
}

std::vector<std::string> Lines(const absl::Status& status) {
  return absl::StrSplit(status.message(), '\n');
}

TEST(LoadScenarioFile, ExampleScenariosAreValid) {
  for (const char* f : {"scenarios/engine/testdata/car_sms_pin.textproto",
                        "scenarios/engine/testdata/intercepted_multi_round.textproto",
                        "scenarios/engine/testdata/ok_minimal.textproto"}) {
    absl::StatusOr<scenario::v1::Scenario> s = LoadScenarioFile(Runfile(f));
    EXPECT_TRUE(s.ok()) << f << ": " << s.status();
  }
}

TEST(LoadScenarioFile, SyntaxErrorNamesFileLineColumnAndField) {
  const std::string file = Runfile("scenarios/engine/testdata/broken_scenario.textproto");
  absl::StatusOr<scenario::v1::Scenario> s = LoadScenarioFile(file);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.status().message()),
              HasSubstr(file + ":12:11: "));
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("acction"));
}

TEST(LoadScenarioFile, MissingFileIsNotFound) {
  absl::StatusOr<scenario::v1::Scenario> s =
      LoadScenarioFile("/nonexistent/x.textproto");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("/nonexistent/x"));
}

TEST(LoadScenarioFile, EverySemanticErrorIsReportedAtItsPlace) {
  const std::string file =
      Runfile("scenarios/engine/testdata/semantic_errors.textproto");
  absl::StatusOr<scenario::v1::Scenario> s = LoadScenarioFile(file);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<std::string> lines = Lines(s.status());
  for (std::string& l : lines) {
    ASSERT_EQ(l.rfind(file + ":", 0), 0u) << l;
    l = l.substr(file.size() + 1);
  }
  EXPECT_THAT(
      lines,
      ElementsAre(
          "17:12: steps[0].accept.share: unknown share \"share-1\" (used "
          "before the step that saves it)",
          "22:3: steps[1].share.credential: required (an owner credential id "
          "or save_as name)",
          "25:3: steps[2].id: duplicate step id \"share\"",
          "26:3: steps[2].actor: unknown device \"carol-phone\"",
          "31:11: steps[3].pause.duration: bad duration \"5x\" (write e.g. "
          "\"300ms\", \"1.5s\", \"5m\", \"48h\")",
          "37:12: steps[4].expect.access: an access decision is only possible "
          "for a use step, not revoke",
          "41:3: faults[0].from_step: unknown step \"no-such-step\"",
          "45:32: assertions[0].timing.to_step: unknown step \"unlock\""));
}

scenario::v1::Scenario Base() {
  absl::StatusOr<scenario::v1::Scenario> s = LoadScenarioFile(
      Runfile("scenarios/engine/testdata/ok_minimal.textproto"));
  EXPECT_TRUE(s.ok()) << s.status();
  return *s;
}

std::string Only(const std::vector<std::string>& errors) {
  EXPECT_EQ(errors.size(), 1u) << testing::PrintToString(errors);
  return errors.empty() ? "" : errors[0];
}

TEST(ValidateScenario, WithoutLocationsStillNamesTheField) {
  scenario::v1::Scenario s = Base();
  s.mutable_steps(0)->mutable_use()->set_access_point("car-9");
  EXPECT_EQ(Only(ValidateScenario(s, nullptr, "x.textproto")),
            "x.textproto:1:1: steps[0].use.access_point: unknown access point "
            "\"car-9\"");
}

TEST(ValidateScenario, RelayAttachedByUrlOnlyIsValid) {
  scenario::v1::Scenario s = Base();
  scenario::v1::Endpoint* e = s.mutable_topology()->mutable_relay()->mutable_attach();
  e->set_http_url("https://127.0.0.1:1");
  e->set_ca_cert_file("/ca.pem");
  EXPECT_THAT(ValidateScenario(s, nullptr, "f"), ::testing::IsEmpty());
}

TEST(ValidateScenario, AttachedRelayNeedsAnAddress) {
  scenario::v1::Scenario s = Base();
  s.mutable_topology()->mutable_relay()->mutable_attach()->set_ca_cert_file("/ca.pem");
  EXPECT_THAT(Only(ValidateScenario(s, nullptr, "f")),
              HasSubstr("topology.relay.attach.grpc_address: required to attach, unless "
                        "http_url is given"));
}

TEST(ValidateScenario, GrpcDeviceAgainstARelayByUrlOnlyNamesTheField) {
  scenario::v1::Scenario s = Base();
  s.mutable_topology()->mutable_relay()->mutable_attach()->set_http_url("https://127.0.0.1:1");
  s.mutable_topology()->mutable_devices(0)->set_relay_api(scenario::v1::GRPC);
  EXPECT_THAT(Only(ValidateScenario(s, nullptr, "f")),
              HasSubstr("topology.devices[0].relay_api: GRPC needs a relay with a gRPC "
                        "address"));
}

// A variant the launcher cannot run is refused by name, never run as the
// reference design.
TEST(ValidateScenario, VendorlessDevicesAreValidatedByField) {
  scenario::v1::Scenario s = Base();
  s.mutable_topology()->mutable_architecture()->add_vendorless_devices("*");
  EXPECT_THAT(ValidateScenario(s, nullptr, "f"), IsEmpty());
  s.mutable_topology()->mutable_architecture()->add_vendorless_devices("nobody");
  EXPECT_THAT(ValidateScenario(s, nullptr, "f"),
              ::testing::Contains(HasSubstr("topology.architecture.vendorless_devices[0]: "
                                            "\"*\" (every device) must be the only entry")));
}

TEST(ValidateScenario, DirectIsAcceptedAndItsProximityLinkCanBeNamed) {
  scenario::v1::Scenario s = Base();
  scenario::v1::ArchitectureSpec* arch = s.mutable_topology()->mutable_architecture();
  arch->set_relay_design(scenario::v1::DIRECT);
  arch->add_direct_in_range(s.topology().devices(0).id());
  scenario::v1::Assertion* a = s.add_assertions();
  a->set_name("the proximity link learns no secret");
  a->mutable_knowledge()->set_actor("proximity");
  a->mutable_knowledge()->add_must_not_learn(::common::v1::MAILBOX_SECRET);
  EXPECT_THAT(ValidateScenario(s, nullptr, "f"), IsEmpty());
}

TEST(ValidateScenario, DirectRefusesWhatNeedsARelayByField) {
  scenario::v1::Scenario s = Base();
  scenario::v1::ArchitectureSpec* arch = s.mutable_topology()->mutable_architecture();
  arch->set_relay_design(scenario::v1::DIRECT);
  arch->set_relay_verifies_attestation(true);
  arch->set_pin_binding(scenario::v1::BOUND_INTO_KEY);
  arch->add_direct_in_range("nobody-phone");
  arch->add_direct_in_range(s.topology().devices(0).id());
  arch->add_direct_in_range(s.topology().devices(0).id());
  const std::vector<std::string> errors = ValidateScenario(s, nullptr, "f");
  EXPECT_THAT(errors, Contains(HasSubstr("topology.architecture.relay_verifies_attestation: "
                                         "DIRECT has no relay")));
  EXPECT_THAT(errors, Contains(HasSubstr("topology.architecture.pin_binding: BOUND_INTO_KEY")));
  EXPECT_THAT(errors, Contains(HasSubstr("topology.architecture.direct_in_range[0]: "
                                         "\"nobody-phone\" is not a device")));
  EXPECT_THAT(errors, Contains(HasSubstr("topology.architecture.direct_in_range[2]: ")));
  s = Base();
  s.mutable_topology()->mutable_architecture()->set_relay_design(scenario::v1::DIRECT);
  s.mutable_topology()->mutable_architecture()->set_ohttp(true);
  EXPECT_THAT(ValidateScenario(s, nullptr, "f"),
              Contains(HasSubstr("topology.architecture.ohttp: DIRECT sends nothing to a relay")));
  s = Base();
  s.mutable_topology()->mutable_architecture()->set_relay_design(scenario::v1::DIRECT);
  s.mutable_topology()->mutable_relay()->mutable_attach()->set_http_url("https://127.0.0.1:1");
  s.mutable_topology()->mutable_relay()->mutable_attach()->set_ca_cert_file("/ca.pem");
  EXPECT_THAT(Only(ValidateScenario(s, nullptr, "f")),
              HasSubstr("topology.architecture.relay_design: DIRECT uses no relay"));
  s = Base();
  s.mutable_topology()->mutable_architecture()->set_relay_design(scenario::v1::DIRECT);
  s.mutable_topology()->mutable_devices(0)->mutable_attach()->set_grpc_address("127.0.0.1:1");
  EXPECT_THAT(ValidateScenario(s, nullptr, "f"),
              Contains(HasSubstr("topology.devices[0].attach: an attached device cannot be put "
                                 "on the proximity link")));
  s = Base();
  s.mutable_topology()->mutable_architecture()->add_direct_in_range(
      s.topology().devices(0).id());
  EXPECT_THAT(Only(ValidateScenario(s, nullptr, "f")),
              HasSubstr("topology.architecture.direct_in_range[0]: only with relay_design: "
                        "DIRECT"));
}

TEST(ValidateScenario, OhttpIsValidWithALaunchedMailboxRelayAndHttpDevices) {
  scenario::v1::Scenario s = Base();
  s.mutable_topology()->mutable_architecture()->set_ohttp(true);
  EXPECT_THAT(ValidateScenario(s, nullptr, "f"), IsEmpty());
  s.mutable_topology()->mutable_devices(0)->set_relay_api(scenario::v1::HTTP);
  EXPECT_THAT(ValidateScenario(s, nullptr, "f"), IsEmpty());
}

TEST(ValidateScenario, OhttpRefusesWhatItCannotCarryByField) {
  scenario::v1::Scenario s = Base();
  s.mutable_topology()->mutable_architecture()->set_ohttp(true);
  s.mutable_topology()->mutable_devices(0)->set_relay_api(scenario::v1::GRPC);
  EXPECT_THAT(Only(ValidateScenario(s, nullptr, "f")),
              HasSubstr("topology.devices[0].relay_api: GRPC cannot go through OHTTP"));
  s.mutable_topology()->mutable_devices(0)->set_relay_api(scenario::v1::HTTP);
  scenario::v1::Endpoint* e = s.mutable_topology()->mutable_relay()->mutable_attach();
  e->set_http_url("https://127.0.0.1:1");
  e->set_ca_cert_file("/ca.pem");
  EXPECT_THAT(Only(ValidateScenario(s, nullptr, "f")),
              HasSubstr("topology.architecture.ohttp: needs a launched relay"));
}

TEST(ValidateScenario, PinInKeyNeedsLaunchedDevices) {
  scenario::v1::Scenario s = Base();
  s.mutable_topology()->mutable_architecture()->set_pin_binding(scenario::v1::BOUND_INTO_KEY);
  EXPECT_THAT(ValidateScenario(s, nullptr, "f"), IsEmpty());
  scenario::v1::DeviceSpec* d = s.mutable_topology()->mutable_devices(0);
  d->mutable_attach()->set_grpc_address("127.0.0.1:1");
  EXPECT_THAT(Only(ValidateScenario(s, nullptr, "f")),
              HasSubstr("topology.architecture.pin_binding: BOUND_INTO_KEY needs launched "
                        "devices"));
}

TEST(ValidateScenario, RelayAttestationNeedsALaunchedRelayAndDevices) {
  scenario::v1::Scenario s = Base();
  s.mutable_topology()->mutable_architecture()->set_relay_verifies_attestation(true);
  EXPECT_THAT(ValidateScenario(s, nullptr, "f"), IsEmpty());
  scenario::v1::Scenario attached_relay = s;
  attached_relay.mutable_topology()->mutable_relay()->mutable_attach()->set_http_url(
      "https://127.0.0.1:1");
  EXPECT_THAT(Only(ValidateScenario(attached_relay, nullptr, "f")),
              HasSubstr("topology.architecture.relay_verifies_attestation: needs a launched "
                        "relay"));
  s.mutable_topology()->mutable_devices(0)->mutable_attach()->set_grpc_address("127.0.0.1:1");
  EXPECT_THAT(Only(ValidateScenario(s, nullptr, "f")),
              HasSubstr("topology.architecture.relay_verifies_attestation: needs launched "
                        "devices"));
}

TEST(ValidateScenario, DerivedLocationsIsAcceptedAndItsRelayCanBeNamed) {
  scenario::v1::Scenario s = Base();
  s.mutable_topology()->mutable_architecture()->set_relay_design(scenario::v1::DERIVED_LOCATIONS);
  scenario::v1::Assertion* a = s.add_assertions();
  a->set_name("derived relay learns no secret");
  a->mutable_knowledge()->set_actor("derived-relay");
  a->mutable_knowledge()->add_must_not_learn(::common::v1::MAILBOX_SECRET);
  EXPECT_THAT(ValidateScenario(s, nullptr, "f"), IsEmpty());
}

TEST(ValidateScenario, DerivedLocationsRefusesAnAttachedRelayOrDevice) {
  scenario::v1::Scenario s = Base();
  s.mutable_topology()->mutable_architecture()->set_relay_design(scenario::v1::DERIVED_LOCATIONS);
  s.mutable_topology()->mutable_relay()->mutable_attach()->set_http_url("https://127.0.0.1:1");
  s.mutable_topology()->mutable_relay()->mutable_attach()->set_ca_cert_file("/ca.pem");
  EXPECT_THAT(Only(ValidateScenario(s, nullptr, "f")),
              HasSubstr("topology.architecture.relay_design: DERIVED_LOCATIONS runs the "
                        "project's derived relay"));
  s = Base();
  s.mutable_topology()->mutable_architecture()->set_relay_design(scenario::v1::DERIVED_LOCATIONS);
  s.mutable_topology()->mutable_devices(0)->mutable_attach()->set_grpc_address("127.0.0.1:1");
  EXPECT_THAT(ValidateScenario(s, nullptr, "f"),
              ::testing::Contains(HasSubstr("topology.devices[0].attach: an attached device cannot be "
                                 "pointed at the derived relay")));
}

TEST(ValidateScenario, UnknownAdversaryAndInterceptor) {
  scenario::v1::Scenario s = Base();
  scenario::v1::Step* st = s.add_steps();
  st->set_id("act");
  st->mutable_adversary_act()->set_adversary("mallory");
  EXPECT_THAT(Only(ValidateScenario(s, nullptr, "f")),
              HasSubstr("steps[1].adversary_act.adversary: unknown adversary "
                        "\"mallory\""));
}

TEST(ValidateScenario, UnknownCredentialAndServices) {
  scenario::v1::Scenario s = Base();
  s.mutable_steps(0)->mutable_use()->set_credential("bob-car");
  scenario::v1::Step* st = s.add_steps();
  st->set_id("kill");
  st->mutable_service()->set_service("oem-z");
  st->mutable_service()->set_op(scenario::v1::KILL);
  std::vector<std::string> errors = ValidateScenario(s, nullptr, "f");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_THAT(errors[0], HasSubstr("use.credential: unknown credential "
                                   "\"bob-car\""));
  EXPECT_THAT(errors[1], HasSubstr("service.service: unknown service "
                                   "\"oem-z\""));
}

TEST(ValidateScenario, NegativeDurationOnlyWhereAllowed) {
  scenario::v1::Scenario s = Base();
  scenario::v1::Fault* f = s.add_faults();
  f->set_name("skew");
  f->mutable_clock_skew()->set_service("car-1");
  f->mutable_clock_skew()->set_offset("-3h");
  EXPECT_THAT(ValidateScenario(s, nullptr, "f"), IsEmpty());
  s.set_timeout("-1s");
  EXPECT_THAT(Only(ValidateScenario(s, nullptr, "f")),
              HasSubstr("timeout: negative duration \"-1s\""));
}

TEST(ValidateScenario, ActionlessStepAndEmptySuccess) {
  scenario::v1::Scenario s = Base();
  scenario::v1::Step* st = s.add_steps();
  st->set_id("nothing");
  std::vector<std::string> errors = ValidateScenario(s, nullptr, "f");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("has no action"));
  s.mutable_steps(0)->mutable_expect()->set_success(false);
  EXPECT_EQ(ValidateScenario(s, nullptr, "f").size(), 2u);
}

TEST(ParseScenarioText, LauncherTopologyErrorsAreLocated) {
  // Valid for the engine's checks, refused by the launcher's topology rules:
  // a channel fault-free topology with a preview bot on SMS.
  absl::StatusOr<scenario::v1::Scenario> s = ParseScenarioText(
      "name: \"x\"\n"
      "topology {\n"
      "  relay { store: MEMORY }\n"
      "  authorities { id: \"ca\" }\n"
      "  channels { kind: SMS  preview_bot: true }\n"
      "}\n",
      "t.textproto");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()),
              HasSubstr("t.textproto:5:"));
  EXPECT_THAT(std::string(s.status().message()),
              HasSubstr("topology.channels[0].preview_bot"));
}

TEST(ParseScenarioText, AlsoChannelsErrorsAreLocatedAtTheEntry) {
  absl::StatusOr<scenario::v1::Scenario> s = ParseScenarioText(
      "name: \"x\"\n"
      "topology {\n"
      "  relay { store: MEMORY }\n"
      "  authorities { id: \"ca\" }\n"
      "  oems { id: \"oem-a\" }\n"
      "  devices { id: \"bob\"  oem: \"oem-a\" }\n"
      "}\n"
      "adversaries {\n"
      "  name: \"eve\"\n"
      "  link_interceptor {\n"
      "    channel: SMS\n"
      "    also_channels: EMAIL\n"
      "    also_channels: SMS\n"
      "    also_channels: EMAIL\n"
      "    target: \"bob\"\n"
      "  }\n"
      "}\n",
      "a.textproto");
  ASSERT_FALSE(s.ok());
  const std::string message(s.status().message());
  EXPECT_THAT(message, HasSubstr("a.textproto:13:"));
  EXPECT_THAT(message, HasSubstr("also_channels[1]"));
  EXPECT_THAT(message, HasSubstr("a.textproto:14:"));
  EXPECT_THAT(message, HasSubstr("the tapped `channel` itself"));
  EXPECT_THAT(message, HasSubstr("also_channels[2]"));
  EXPECT_THAT(message, HasSubstr("listed twice"));
  EXPECT_THAT(message, Not(HasSubstr("also_channels[0]")));
}

TEST(ParseScenarioText, TooManyGuessersAreLocatedAtTheField) {
  absl::StatusOr<scenario::v1::Scenario> s = ParseScenarioText(
      "name: \"x\"\n"
      "topology {\n"
      "  relay { store: MEMORY }\n"
      "  authorities { id: \"ca\" }\n"
      "  oems { id: \"oem-a\" }\n"
      "  devices { id: \"bob\"  oem: \"oem-a\" }\n"
      "}\n"
      "adversaries {\n"
      "  name: \"guessers\"\n"
      "  id_guesser {\n"
      "    tries: 10\n"
      "    attackers: 65\n"
      "    distinct_addresses: true\n"
      "  }\n"
      "}\n",
      "g.textproto");
  ASSERT_FALSE(s.ok());
  const std::string message(s.status().message());
  EXPECT_THAT(message, HasSubstr("g.textproto:12:"));
  EXPECT_THAT(message, HasSubstr("id_guesser.attackers: must be at most 64"));
}

TEST(ParseScenarioText, KnowledgeAssertionWithoutItemsIsLocatedAtTheAssertion) {
  absl::StatusOr<scenario::v1::Scenario> s = ParseScenarioText(
      "name: \"x\"\n"
      "topology { relay { store: MEMORY } }\n"
      "assertions {\n"
      "  name: \"nothing\"\n"
      "  knowledge { actor: \"relay\" }\n"
      "}\n",
      "k.textproto");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(std::string(s.status().message()),
            "k.textproto:5:3: assertions[0].knowledge.must_not_learn: give must_not_learn or "
            "must_learn items");
}

TEST(ParseScenarioDuration, AcceptsAbslSyntaxOnly) {
  EXPECT_EQ(*ParseScenarioDuration("1.5s", "f", absl::ZeroDuration()),
            absl::Milliseconds(1500));
  EXPECT_EQ(*ParseScenarioDuration("", "f", absl::Seconds(7)),
            absl::Seconds(7));
  EXPECT_FALSE(ParseScenarioDuration("5", "f", absl::ZeroDuration()).ok());
  EXPECT_FALSE(ParseScenarioDuration("inf", "f", absl::ZeroDuration()).ok());
  EXPECT_TRUE(ParseScenarioDuration("-3h", "f", absl::ZeroDuration(), true).ok());
}

TEST(ActionName, NamesTheOneofField) {
  scenario::v1::Step st;
  EXPECT_EQ(ActionName(st), "");
  st.mutable_await_revocation();
  EXPECT_EQ(ActionName(st), "await_revocation");
}

}  // namespace
}  // namespace sct::scenarios
