#include "scenarios/experiment/report/findings_input.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/text_format_errors.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "runtime/files.h"
#include "scenarios/experiment/report/aggregate.h"

namespace sct::scenarios::experiment {
namespace {

using google::protobuf::TextFormat;
using sct::findings::FindingsQuestions;
using sct::findings::Question;

// "FILE:LINE:COL: " of field `name` (index `index`, -1 if singular) in
// `message` at `tree`; the message's own start when the field is unset.
std::string Where(const std::string& file, const TextFormat::ParseInfoTree* tree,
                  const google::protobuf::Descriptor* d, const std::string& name, int index = -1) {
  if (tree == nullptr) return absl::StrCat(file, ":1:1: ");
  const auto loc = tree->GetLocation(d->FindFieldByName(name), index);
  if (loc.line < 0) return absl::StrCat(file, ":1:1: ");
  return absl::StrCat(file, ":", loc.line + 1, ":", loc.column + 1, ": ");
}

void CheckQuestion(const Question& q, int i, const std::string& file,
                   const TextFormat::ParseInfoTree& root, std::set<std::string>& ids,
                   std::vector<std::string>& errors) {
  const auto* qd = Question::descriptor();
  const TextFormat::ParseInfoTree* tree =
      root.GetTreeForNested(FindingsQuestions::descriptor()->FindFieldByName("questions"), i);
  const std::string field = absl::StrCat("questions[", i, "]");
  const std::string at = absl::StrCat(
      Where(file, &root, FindingsQuestions::descriptor(), "questions", i), field);
  if (q.id().empty()) errors.push_back(absl::StrCat(at, ".id: missing"));
  if (q.title().empty()) errors.push_back(absl::StrCat(at, ".title: missing"));
  if (q.question().empty()) errors.push_back(absl::StrCat(at, ".question: missing"));
  if (!q.id().empty() && !ids.insert(q.id()).second) {
    errors.push_back(absl::StrCat(Where(file, tree, qd, "id"), field, ".id: duplicate id \"",
                                  q.id(), "\""));
  }
  for (int k = 0; k < q.experiments_size(); ++k) {
    if (q.experiments(k).experiment().empty()) {
      errors.push_back(absl::StrCat(Where(file, tree, qd, "experiments", k), field,
                                    ".experiments[", k, "].experiment: missing"));
    }
  }
  for (int k = 0; k < q.scenarios_size(); ++k) {
    if (q.scenarios(k).scenario().empty()) {
      errors.push_back(absl::StrCat(Where(file, tree, qd, "scenarios", k), field, ".scenarios[",
                                    k, "].scenario: missing"));
    }
  }
}

template <typename Message>
absl::StatusOr<Message> ReadJson(const std::string& path) {
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok()) {
    return MakeError(absl::StatusCode::kInternal, "io_error",
                     absl::StrCat("cannot read ", path, ": ", text.status().message()));
  }
  Message m;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;  // results written by a newer version
  const auto st = google::protobuf::util::JsonStringToMessage(*text, &m, options);
  if (!st.ok()) {
    return MakeError(absl::StatusCode::kInvalidArgument, "invalid_field",
                     absl::StrCat(path, ": not a ", Message::descriptor()->full_name(), ": ",
                                  st.ToString()));
  }
  return m;
}

bool StartedBefore(const scenario::v1::ExperimentResult& a,
                   const scenario::v1::ExperimentResult& b) {
  return std::make_pair(a.started_at().seconds(), a.started_at().nanos()) <
         std::make_pair(b.started_at().seconds(), b.started_at().nanos());
}

}  // namespace

absl::StatusOr<FindingsQuestions> ParseFindingsQuestions(const std::string& text,
                                                         const std::string& file) {
  std::vector<std::string> errors;
  LineErrorCollector collector(file, &errors);
  TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  TextFormat::ParseInfoTree tree;
  parser.WriteLocationsTo(&tree);
  FindingsQuestions questions;
  if (parser.ParseFromString(text, &questions)) {
    std::set<std::string> ids;
    for (int i = 0; i < questions.questions_size(); ++i) {
      CheckQuestion(questions.questions(i), i, file, tree, ids, errors);
    }
  } else if (errors.empty()) {
    errors.push_back(absl::StrCat(file, ":1:1: cannot parse"));
  }
  if (!errors.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument, "invalid_field",
                     absl::StrJoin(errors, "\n"));
  }
  return questions;
}

absl::StatusOr<std::vector<scenario::v1::ExperimentResult>> LoadExperimentResults(
    const std::string& dir) {
  std::vector<std::string> paths;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return std::vector<scenario::v1::ExperimentResult>{};
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file() && it->path().filename() == "result.json") {
      paths.push_back(it->path().string());
    }
  }
  if (ec) {
    return MakeError(absl::StatusCode::kInternal, "io_error",
                     absl::StrCat("cannot list ", dir, ": ", ec.message()));
  }
  std::sort(paths.begin(), paths.end());
  std::map<std::string, scenario::v1::ExperimentResult> newest;
  std::vector<std::string> order;
  for (const std::string& path : paths) {
    auto r = ReadJson<scenario::v1::ExperimentResult>(path);
    if (!r.ok()) return r.status();
    auto [it, inserted] = newest.emplace(r->name(), *r);
    if (inserted) {
      order.push_back(r->name());
    } else if (StartedBefore(it->second, *r)) {
      it->second = *std::move(r);
    }
  }
  std::vector<scenario::v1::ExperimentResult> out;
  for (const std::string& name : order) {
    out.push_back(std::move(newest[name]));
    Aggregate(out.back());
  }
  return out;
}

absl::StatusOr<std::optional<scenario::v1::Report>> LoadScenarioReport(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<scenario::v1::Report>();
  auto report = ReadJson<scenario::v1::Report>(path);
  if (!report.ok()) return report.status();
  return std::optional<scenario::v1::Report>(*std::move(report));
}

}  // namespace sct::scenarios::experiment
