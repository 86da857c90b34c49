#include "scenarios/engine/parse.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/text_format_errors.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/tokenizer.h"
#include "runtime/files.h"
#include "scenarios/engine/validator.h"
#include "scenarios/launcher/topology.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
using google::protobuf::FieldDescriptor;
using google::protobuf::Reflection;
using google::protobuf::TextFormat;

}  // namespace

absl::StatusOr<absl::Duration> ParseScenarioDuration(absl::string_view text,
                                                     absl::string_view field,
                                                     absl::Duration fallback, bool allow_negative) {
  if (text.empty()) return fallback;
  absl::Duration d;
  if (!absl::ParseDuration(text, &d) || d == absl::InfiniteDuration() ||
      d == -absl::InfiniteDuration()) {
    return InvalidField(field, absl::StrCat("bad duration \"", text,
                                            "\" (write e.g. \"300ms\", \"1.5s\", "
                                            "\"5m\", \"48h\")"));
  }
  if (d < absl::ZeroDuration() && !allow_negative) {
    return InvalidField(field,
                        absl::StrCat("negative duration \"", text, "\" is not allowed here"));
  }
  return d;
}

std::string ActionName(const sv1::Step& step) {
  if (step.action_case() == sv1::Step::ACTION_NOT_SET) return "";
  const google::protobuf::OneofDescriptor* oneof =
      sv1::Step::descriptor()->FindOneofByName("action");
  const Reflection* r = step.GetReflection();
  const FieldDescriptor* f = r->GetOneofFieldDescriptor(step, oneof);
  return f == nullptr ? "" : f->name();
}

absl::Duration DurationOr(absl::string_view text, absl::Duration fallback, bool allow_negative) {
  absl::StatusOr<absl::Duration> d =
      ParseScenarioDuration(text, "duration", fallback, allow_negative);
  return d.ok() ? *d : fallback;
}

std::vector<std::string> ValidateScenario(const sv1::Scenario& scenario,
                                          const TextFormat::ParseInfoTree* tree,
                                          const std::string& file,
                                          const std::set<std::string>* known_variants) {
  return validation::Validator(scenario, tree, file, known_variants).Run();
}

absl::StatusOr<CheckedScenario> ParseCheckedScenario(const std::string& text,
                                                     const std::string& file,
                                                     const std::set<std::string>* known_variants) {
  std::vector<std::string> errors;
  LineErrorCollector collector(file, &errors, /*warnings=*/true);
  TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  parser.AllowPartialMessage(false);
  TextFormat::ParseInfoTree tree;
  parser.WriteLocationsTo(&tree);
  sv1::Scenario scenario;
  if (!parser.ParseFromString(text, &scenario)) {
    if (errors.empty()) errors.push_back(absl::StrCat(file, ":1:1: cannot parse scenario"));
    return MakeError(absl::StatusCode::kInvalidArgument, "invalid_field",
                     absl::StrJoin(errors, "\n"));
  }
  // Warnings (e.g. deprecated syntax) do not fail the file.
  errors = ValidateScenario(scenario, &tree, file, known_variants);
  if (!errors.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument, "invalid_field",
                     absl::StrJoin(errors, "\n"));
  }
  // What the launcher would refuse (its defaults and limits), located.
  absl::StatusOr<ResolvedTopology> resolved = ResolveTopology(scenario.topology());
  if (!resolved.ok()) {
    const std::string msg(resolved.status().message());
    auto [line, col] =
        validation::LocatePath(validation::RootNode(scenario, &tree), msg.substr(0, msg.find(':')));
    return MakeError(absl::StatusCode::kInvalidArgument, "invalid_field",
                     absl::StrCat(file, ":", line + 1, ":", col + 1, ": ", msg));
  }
  return CheckedScenario{std::move(scenario), *std::move(resolved)};
}

absl::StatusOr<sv1::Scenario> ParseScenarioText(const std::string& text, const std::string& file) {
  absl::StatusOr<CheckedScenario> checked = ParseCheckedScenario(text, file);
  if (!checked.ok()) return checked.status();
  return std::move(checked->scenario);
}

absl::StatusOr<CheckedScenario> LoadCheckedScenario(const std::string& path,
                                                    const std::set<std::string>* known_variants) {
  ASSIGN_OR_RETURN(std::string text, ReadLabFile(path, "scenario"));
  return ParseCheckedScenario(text, path, known_variants);
}

absl::StatusOr<std::string> ReadLabFile(const std::string& path, absl::string_view what) {
  absl::StatusOr<std::string> text = ReadWholeFile(path, kMaxLabFileBytes);
  if (text.ok() || text.status().code() == absl::StatusCode::kInvalidArgument) return text;
  return MakeError(absl::StatusCode::kNotFound, "file_not_found",
                   absl::StrCat(path, ": cannot read ", what, " file"));
}

absl::StatusOr<sv1::Scenario> LoadScenarioFile(const std::string& path) {
  absl::StatusOr<CheckedScenario> checked = LoadCheckedScenario(path);
  if (!checked.ok()) return checked.status();
  return std::move(checked->scenario);
}

}  // namespace sct::scenarios
