// The example scenario files parse as text-format scenario.v1.Scenario,
// their cross references are coherent, the example in docs/contracts.md is
// the same scenario, and broken files are reported with line and column.
#include <stdlib.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/access_point/v1/access_point.grpc.pb.h"
#include "proto/access_point/v1/access_point.pb.h"
#include "proto/access_point/v1/access_point_mock.grpc.pb.h"
#include "proto/channel/v1/channel.grpc.pb.h"
#include "proto/channel/v1/channel.pb.h"
#include "proto/channel/v1/channel_mock.grpc.pb.h"
#include "proto/common/v1/audit.grpc.pb.h"
#include "proto/common/v1/audit.pb.h"
#include "proto/common/v1/audit_mock.grpc.pb.h"
#include "proto/common/v1/control.grpc.pb.h"
#include "proto/common/v1/control.pb.h"
#include "proto/common/v1/control_mock.grpc.pb.h"
#include "proto/common/v1/types.grpc.pb.h"
#include "proto/common/v1/types.pb.h"
#include "proto/common/v1/types_mock.grpc.pb.h"
#include "proto/credential_authority/v1/credential_authority.grpc.pb.h"
#include "proto/credential_authority/v1/credential_authority.pb.h"
#include "proto/credential_authority/v1/credential_authority_mock.grpc.pb.h"
#include "proto/device/v1/device.grpc.pb.h"
#include "proto/device/v1/device.pb.h"
#include "proto/device/v1/device_mock.grpc.pb.h"
#include "proto/oem/v1/oem.grpc.pb.h"
#include "proto/oem/v1/oem.pb.h"
#include "proto/oem/v1/oem_mock.grpc.pb.h"
#include "proto/contracts_test_util.h"
#include "proto/scenario/v1/scenario.pb.h"

namespace {

using ::google::protobuf::DescriptorPool;
using ::google::protobuf::FileDescriptorProto;
using ::google::protobuf::FileDescriptorSet;
using ::google::protobuf::ServiceDescriptor;
using ::google::protobuf::TextFormat;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::sct::contracts::ParseScenario;
using ::sct::contracts::ReadFile;
using ::sct::contracts::RecordingErrorCollector;
using ::sct::contracts::Runfile;

// ---------------------------------------------------------------------------
// Scenario files.
// ---------------------------------------------------------------------------

// A light coherence check of the cross references in a scenario (the engine
// does the full validation): every problem names the step or item.
std::vector<std::string> ReferenceProblems(const scenario::v1::Scenario& s) {
  std::vector<std::string> problems;
  const auto& topology = s.topology();
  std::set<std::string> oems, access_points, devices, adversaries, steps;
  std::set<std::string> shares, credentials;
  for (const auto& oem : topology.oems()) oems.insert(oem.id());
  for (const auto& ap : topology.access_points()) access_points.insert(ap.id());
  for (const auto& device : topology.devices()) {
    devices.insert(device.id());
    if (!oems.count(device.oem())) {
      problems.push_back(absl::StrCat("device ", device.id(), ": unknown oem"));
    }
  }
  for (const auto& owner : topology.owner_credentials()) {
    if (!devices.count(owner.device())) {
      problems.push_back(
          absl::StrCat("owner ", owner.id(), ": unknown device"));
    }
    if (!access_points.count(owner.access_point())) {
      problems.push_back(
          absl::StrCat("owner ", owner.id(), ": unknown access_point"));
    }
    credentials.insert(owner.id());
  }
  for (const auto& adversary : s.adversaries())
    adversaries.insert(adversary.name());

  auto need = [&problems](const std::set<std::string>& known,
                          const std::string& name, const std::string& what,
                          const std::string& step) {
    if (!known.count(name)) {
      problems.push_back(
          absl::StrCat("step ", step, ": unknown ", what, " \"", name, "\""));
    }
  };
  for (const auto& step : s.steps()) {
    const std::string& id = step.id();
    if (id.empty() || !steps.insert(id).second) {
      problems.push_back(
          absl::StrCat("step \"", id, "\": empty or duplicate id"));
    }
    if (!step.actor().empty() && !devices.count(step.actor()) &&
        !adversaries.count(step.actor())) {
      problems.push_back(absl::StrCat("step ", id, ": unknown actor"));
    }
    using Step = scenario::v1::Step;
    switch (step.action_case()) {
      case Step::kShare:
        need(credentials, step.share().credential(), "credential", id);
        if (!step.share().save_as().empty())
          shares.insert(step.share().save_as());
        break;
      case Step::kAccept:
        need(shares, step.accept().share(), "share", id);
        if (!step.accept().intercepted_by().empty()) {
          need(adversaries, step.accept().intercepted_by(), "adversary", id);
        }
        if (!step.accept().save_as().empty()) {
          credentials.insert(step.accept().save_as());
        }
        break;
      case Step::kReply:
        need(shares, step.reply().share(), "share", id);
        if (!step.reply().save_as().empty())
          credentials.insert(step.reply().save_as());
        break;
      case Step::kUse:
        need(credentials, step.use().credential(), "credential", id);
        need(access_points, step.use().access_point(), "access point", id);
        break;
      case Step::kRevoke:
        if (step.revoke().has_share())
          need(shares, step.revoke().share(), "share", id);
        if (step.revoke().has_credential()) {
          need(credentials, step.revoke().credential(), "credential", id);
        }
        break;
      case Step::kListShares:
        need(credentials, step.list_shares().credential(), "credential", id);
        break;
      case Step::kWaitForEvent:
        if (!step.wait_for_event().share().empty()) {
          need(shares, step.wait_for_event().share(), "share", id);
        }
        break;
      case Step::kAwaitRevocation:
        need(access_points, step.await_revocation().access_point(),
             "access point", id);
        break;
      case Step::kAdversaryAct:
        need(adversaries, step.adversary_act().adversary(), "adversary", id);
        break;
      case Step::ACTION_NOT_SET:
        problems.push_back(absl::StrCat("step ", id, ": no action"));
        break;
      default:
        break;
    }
    absl::Duration unused;
    if (!step.expect().max_duration().empty() &&
        !absl::ParseDuration(step.expect().max_duration(), &unused)) {
      problems.push_back(
          absl::StrCat("step ", id, ": bad expect.max_duration"));
    }
  }
  for (const auto& fault : s.faults()) {
    for (const std::string& ref : {fault.from_step(), fault.until_step()}) {
      if (!ref.empty() && !steps.count(ref)) {
        problems.push_back(absl::StrCat("fault ", fault.name(),
                                        ": unknown step \"", ref, "\""));
      }
    }
  }
  for (const auto& assertion : s.assertions()) {
    if (assertion.has_timing()) {
      for (const std::string& ref :
           {assertion.timing().from_step(), assertion.timing().to_step()}) {
        if (!steps.count(ref)) {
          problems.push_back(absl::StrCat("assertion ", assertion.name(),
                                          ": unknown step \"", ref, "\""));
        }
      }
    }
  }
  return problems;
}

class ExampleScenarioTest : public testing::TestWithParam<std::string> {};

TEST_P(ExampleScenarioTest, ParsesStrictlyAndIsCoherent) {
  const std::string file = absl::StrCat("proto/testdata/", GetParam());
  std::string text;
  ASSERT_TRUE(ReadFile(Runfile(file), &text)) << file;
  scenario::v1::Scenario scenario;
  RecordingErrorCollector errors;
  ASSERT_TRUE(ParseScenario(text, &scenario, &errors)) << errors.Describe(file);
  EXPECT_THAT(errors.warnings(), IsEmpty());
  EXPECT_FALSE(scenario.name().empty());
  EXPECT_FALSE(scenario.description().empty());
  EXPECT_GE(scenario.steps_size(), 5);
  EXPECT_THAT(ReferenceProblems(scenario), IsEmpty()) << file;
}

TEST_P(ExampleScenarioTest, SurvivesATextRoundTrip) {
  std::string text;
  ASSERT_TRUE(
      ReadFile(Runfile(absl::StrCat("proto/testdata/", GetParam())), &text));
  scenario::v1::Scenario original;
  RecordingErrorCollector errors;
  ASSERT_TRUE(ParseScenario(text, &original, &errors));
  std::string printed;
  ASSERT_TRUE(TextFormat::PrintToString(original, &printed));
  scenario::v1::Scenario reparsed;
  RecordingErrorCollector reparse_errors;
  ASSERT_TRUE(ParseScenario(printed, &reparsed, &reparse_errors));
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(original, reparsed));
}

INSTANTIATE_TEST_SUITE_P(Examples, ExampleScenarioTest,
                         testing::Values("car_sms_pin.textproto",
                                         "intercepted_multi_round.textproto"),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           name = name.substr(0, name.find('.'));
                           return name;
                         });

TEST(ExampleScenario, CarExampleSaysWhatTheDocsSay) {
  std::string text;
  ASSERT_TRUE(ReadFile(Runfile("proto/testdata/car_sms_pin.textproto"), &text));
  scenario::v1::Scenario s;
  RecordingErrorCollector errors;
  ASSERT_TRUE(ParseScenario(text, &s, &errors));
  EXPECT_EQ(s.topology().relay().store(), scenario::v1::SQLITE);
  ASSERT_EQ(s.topology().access_points_size(), 1);
  EXPECT_EQ(s.topology().access_points(0).kind(), common::v1::CAR);
  ASSERT_GE(s.steps_size(), 8);
  EXPECT_EQ(s.steps(0).share().channel(), common::v1::SMS);
  EXPECT_EQ(s.steps(0).share().pin(), "493817");
  EXPECT_FALSE(s.steps(0).expect().has_error());  // default: success
  EXPECT_EQ(s.steps(3).expect().access(), access_point::v1::DENIED_ENTITLEMENT);
  EXPECT_FALSE(s.steps(4).expect().has_error());  // a repeated accept is idempotent
  EXPECT_EQ(s.steps(7).expect().access(), access_point::v1::DENIED_REVOKED);
  ASSERT_GE(s.assertions_size(), 1);
  EXPECT_THAT(s.assertions(0).knowledge().must_not_learn(),
              testing::Contains(common::v1::MAILBOX_SECRET));
}

// docs/contracts.md is not a Bazel target yet (the root BUILD exports only
// `sct`), so it is found beside the source of a runfile: runfiles are
// symlinks into the source tree under the repository's local execution.
std::string SourceTreeFile(absl::string_view relative) {
  const std::string anchor = "proto/testdata/car_sms_pin.textproto";
  char resolved[PATH_MAX];
  if (realpath(Runfile(anchor).c_str(), resolved) == nullptr) return "";
  absl::string_view root(resolved);
  if (!absl::ConsumeSuffix(&root, anchor)) return "";
  return absl::StrCat(root, relative);
}

TEST(ExampleScenario, DocsExampleIsTheTestedScenario) {
  std::string doc;
  ASSERT_TRUE(ReadFile(SourceTreeFile("docs/contracts.md"), &doc))
      << "docs/contracts.md not found beside the source tree";
  const std::string fence = "```textproto\n";
  const size_t start = doc.find(fence);
  ASSERT_NE(start, std::string::npos) << "no ```textproto block in the docs";
  const size_t body = start + fence.size();
  const size_t end = doc.find("```", body);
  ASSERT_NE(end, std::string::npos);
  scenario::v1::Scenario from_doc;
  RecordingErrorCollector errors;
  ASSERT_TRUE(ParseScenario(doc.substr(body, end - body), &from_doc, &errors))
      << errors.Describe("docs/contracts.md (example block)");

  std::string text;
  ASSERT_TRUE(ReadFile(Runfile("proto/testdata/car_sms_pin.textproto"), &text));
  scenario::v1::Scenario from_file;
  RecordingErrorCollector file_errors;
  ASSERT_TRUE(ParseScenario(text, &from_file, &file_errors));
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(from_doc, from_file))
      << "docs/contracts.md and proto/testdata/car_sms_pin.textproto differ";
}

TEST(BrokenScenario, FileErrorNamesLineColumnAndField) {
  const std::string file = "proto/testdata/broken_scenario.textproto";
  std::string text;
  ASSERT_TRUE(ReadFile(Runfile(file), &text));
  scenario::v1::Scenario scenario;
  RecordingErrorCollector errors;
  EXPECT_FALSE(ParseScenario(text, &scenario, &errors));
  ASSERT_FALSE(errors.errors().empty());
  const auto& first = errors.errors().front();
  // protobuf points just past the misspelled name (at its `{`).
  EXPECT_EQ(first.line, 12);
  EXPECT_EQ(first.column, 11);
  EXPECT_THAT(first.message, HasSubstr("no field named \"acction\""));
  EXPECT_THAT(errors.Describe(file),
              HasSubstr("broken_scenario.textproto:12:11: "));
}

struct BrokenSnippet {
  std::string name;
  std::string text;
  int line;
  int column;
  std::string message_part;
};

class BrokenSnippetTest : public testing::TestWithParam<BrokenSnippet> {};

TEST_P(BrokenSnippetTest, IsRejectedAtThePlaceOfTheMistake) {
  const BrokenSnippet& snippet = GetParam();
  scenario::v1::Scenario scenario;
  RecordingErrorCollector errors;
  EXPECT_FALSE(ParseScenario(snippet.text, &scenario, &errors));
  ASSERT_FALSE(errors.errors().empty());
  EXPECT_EQ(errors.errors().front().line, snippet.line)
      << errors.Describe(snippet.name);
  EXPECT_EQ(errors.errors().front().column, snippet.column)
      << errors.Describe(snippet.name);
  EXPECT_THAT(errors.errors().front().message, HasSubstr(snippet.message_part));
}

INSTANTIATE_TEST_SUITE_P(
    Snippets, BrokenSnippetTest,
    testing::Values(
        BrokenSnippet{
            "unknown_enum_value",
            "topology {\n  access_points { id: \"x\" kind: CARR }\n}\n", 2, 38,
            "CARR"},
        BrokenSnippet{
            "enum_of_another_type",
            "steps {\n  id: \"s\"\n  expect { access: NOT_FOUND }\n}\n", 3, 30,
            "NOT_FOUND"},
        BrokenSnippet{
            "string_for_number",
            "steps {\n  id: \"s\"\n  share { max_redemptions: \"two\" }\n}\n",
            3, 28, "integer"},
        BrokenSnippet{"two_actions_in_one_step",
                      "steps {\n  id: \"s\"\n  cancel { share: \"a\" }\n"
                      "  relinquish { share: \"a\" }\n}\n",
                      4, 14, "oneof"},
        BrokenSnippet{"unclosed_brace",
                      "topology {\n  relay { store: MEMORY }\n", 3, 1,
                      "Expected identifier"}),
    [](const testing::TestParamInfo<BrokenSnippet>& info) {
      return info.param.name;
    });

TEST(ScenarioLocations, ParseInfoTreeGivesLinesForSemanticErrors) {
  // The engine reports semantic errors (unknown ids, bad durations) at the
  // line of the offending step; the parse info tree makes that possible.
  std::string text;
  ASSERT_TRUE(ReadFile(Runfile("proto/testdata/car_sms_pin.textproto"), &text));
  scenario::v1::Scenario scenario;
  RecordingErrorCollector errors;
  TextFormat::ParseInfoTree tree;
  ASSERT_TRUE(ParseScenario(text, &scenario, &errors, &tree));

  // Expected: the zero-based line of the third "steps {" in the file.
  std::vector<int> step_lines;
  std::istringstream lines(text);
  std::string line;
  for (int n = 0; std::getline(lines, line); ++n) {
    if (absl::StartsWith(line, "steps {")) step_lines.push_back(n);
  }
  ASSERT_EQ(static_cast<int>(step_lines.size()), scenario.steps_size());

  const auto* steps_field =
      scenario::v1::Scenario::descriptor()->FindFieldByName("steps");
  for (int i = 0; i < scenario.steps_size(); ++i) {
    EXPECT_EQ(tree.GetLocation(steps_field, i).line, step_lines[i]) << i;
  }
  // Nested: the line of step 2's `use { ... }` action.
  const auto* nested = tree.GetTreeForNested(steps_field, 2);
  ASSERT_NE(nested, nullptr);
  const auto* use_field =
      scenario::v1::Step::descriptor()->FindFieldByName("use");
  EXPECT_GT(nested->GetLocation(use_field, -1).line, step_lines[2]);
}

constexpr char kDanglingReferences[] = R"pb(
  topology {
    oems { id: "oem-a" }
    devices { id: "d" oem: "oem-a" }
  }
  steps {
    id: "use"
    actor: "d"
    use { credential: "nope" access_point: "car" }
  }
  steps {
    id: "use"
    actor: "ghost"
    pause { duration: "1s" }
  }
  faults { name: "f" from_step: "missing" }
)pb";

TEST(ScenarioReferences, DanglingReferencesAreReported) {
  // The coherence check used above must be able to fail.
  scenario::v1::Scenario s;
  RecordingErrorCollector errors;
  ASSERT_TRUE(ParseScenario(kDanglingReferences, &s, &errors));
  const auto problems = ReferenceProblems(s);
  EXPECT_THAT(problems,
              testing::Contains(HasSubstr("unknown credential \"nope\"")));
  EXPECT_THAT(problems,
              testing::Contains(HasSubstr("unknown access point \"car\"")));
  EXPECT_THAT(problems, testing::Contains(HasSubstr("duplicate id")));
  EXPECT_THAT(problems, testing::Contains(HasSubstr("unknown actor")));
  EXPECT_THAT(problems,
              testing::Contains(HasSubstr("unknown step \"missing\"")));
}

}  // namespace
