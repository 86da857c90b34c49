// findings: writes docs/findings.md, the working group's open questions with
// the numbers of the experiments and scenarios that answer them, from result
// files (docs/experiments.md, "Findings"). `./sct findings` runs it from the
// repository root.
//
//   findings [--results=DIR] [--scenario_report=FILE] [--questions=FILE] [--out=FILE]
//
// Defaults: out/experiments, out/report.json,
// scenarios/experiments/findings/questions.textproto, docs/findings.md.
// Exit codes: 0 written; 2 usage error, a bad questions or result file, or
// the page could not be written.
#include <iostream>
#include <string>

#include "absl/strings/match.h"
#include "runtime/files.h"
#include "scenarios/experiment/report/findings_input.h"
#include "scenarios/experiment/report/findings_markdown.h"

namespace {

constexpr char kUsage[] =
    "usage: findings [--results=DIR] [--scenario_report=FILE] [--questions=FILE] [--out=FILE]\n"
    "Writes the findings page (default docs/findings.md) from the experiment results under\n"
    "DIR (default out/experiments), the suite's scenario report (default out/report.json)\n"
    "and the questions file (default scenarios/experiments/findings/questions.textproto).\n";

struct Flags {
  std::string results = "out/experiments";
  std::string scenario_report = "out/report.json";
  std::string questions = "scenarios/experiments/findings/questions.textproto";
  std::string out = "docs/findings.md";
};

bool ParseFlags(int argc, char** argv, Flags& flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    bool known = false;
    for (auto [name, value] : {std::pair{"--results=", &flags.results},
                               std::pair{"--scenario_report=", &flags.scenario_report},
                               std::pair{"--questions=", &flags.questions},
                               std::pair{"--out=", &flags.out}}) {
      if (absl::StartsWith(arg, name)) {
        *value = arg.substr(std::string(name).size());
        known = !value->empty();
      }
    }
    if (!known) return false;
  }
  return true;
}

int Fail(const absl::Status& status) {
  std::cerr << "findings: " << status.message() << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, flags)) {
    std::cerr << kUsage;
    return 2;
  }
  namespace exp = sct::scenarios::experiment;
  auto text = sct::ReadWholeFile(flags.questions);
  if (!text.ok()) return Fail(text.status());
  auto questions = exp::ParseFindingsQuestions(*text, flags.questions);
  if (!questions.ok()) return Fail(questions.status());
  exp::FindingsSources sources;
  sources.results_dir = flags.results;
  sources.scenario_report_path = flags.scenario_report;
  sources.questions_file = flags.questions;
  auto results = exp::LoadExperimentResults(flags.results);
  if (!results.ok()) return Fail(results.status());
  sources.results = *std::move(results);
  auto report = exp::LoadScenarioReport(flags.scenario_report);
  if (!report.ok()) return Fail(report.status());
  sources.scenario_report = *std::move(report);
  const absl::Status written =
      sct::WriteFileAtomically(flags.out, exp::FindingsMarkdown(*questions, sources), 0644);
  if (!written.ok()) return Fail(written);
  std::cout << "wrote " << flags.out << ": " << questions->questions_size() << " questions, "
            << sources.results.size() << " experiment results, "
            << (sources.scenario_report ? "with" : "without") << " a scenario report\n";
  return 0;
}
