#include "scenarios/compare/compare_run.h"

#include <filesystem>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/proto_time.h"
#include "scenarios/compare/matrix.h"
#include "scenarios/engine/parse.h"
#include "scenarios/engine/suite.h"
#include "scenarios/engine/variant_overlay.h"
#include "scenarios/launcher/topology.h"
#include "scenarios/report/report.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;

// One cell to fill: a scenario under a variant, run or not.
struct Job {
  int row = 0;
  int col = 0;
  sv1::Scenario overlaid;
  std::vector<std::string> not_applicable;  // non-empty: not run
  std::optional<sv1::ScenarioResult> result;
  std::string report;  // the run's report.html, relative to out_dir
};

std::string Slug(const std::string& name) {
  std::string s = name.empty() ? "scenario" : name;
  for (char& c : s) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') c = '_';
  }
  return s;
}

// Writes the run's own report; returns its path relative to `out_dir`
// (empty when nothing was written).
std::string WriteRunReport(const sv1::ScenarioResult& r, const std::string& variant, int row,
                           const std::string& out_dir) {
  if (out_dir.empty()) return "";
  const std::string rel =
      absl::StrCat("runs/", variant, "/", absl::StrFormat("%02d", row + 1), "-", Slug(r.name()));
  sv1::Report report;
  report.set_suite(absl::StrCat("compare: ", r.name(), " under ", variant));
  *report.mutable_started_at() = r.started_at();
  *report.mutable_duration() = r.duration();
  (*report.mutable_environment())["variant"] = variant;
  *report.add_scenarios() = r;
  if (r.not_applicable()) {
    report.set_not_applicable(1);
  } else if (r.passed()) {
    report.set_passed(1);
  } else {
    report.set_failed(1);
  }
  absl::Status written = WriteReport(report, absl::StrCat(out_dir, "/", rel));
  return written.ok() ? absl::StrCat(rel, "/report.html") : "";
}

}  // namespace

std::vector<std::string> NotApplicableBeforeRun(const sv1::Scenario& overlaid,
                                                const std::string& file,
                                                const std::set<std::string>& known_variants) {
  std::vector<std::string> reasons = ValidateScenario(overlaid, nullptr, file, &known_variants);
  // Without a parse tree every error is located at the file's start.
  const std::string prefix = absl::StrCat(file, ":1:1: ");
  for (std::string& r : reasons) {
    if (absl::StartsWith(r, prefix)) r = r.substr(prefix.size());
  }
  if (!reasons.empty()) return reasons;
  absl::StatusOr<ResolvedTopology> resolved = ResolveTopology(overlaid.topology());
  if (!resolved.ok()) return {std::string(resolved.status().message())};
  return {};
}

sv1::CompareResult RunCompare(const std::vector<std::string>& files,
                              const sv1::VariantSet& variants, const CompareOptions& options) {
  sv1::CompareResult result;
  const absl::Time start = absl::Now();
  *result.mutable_started_at() = ToProtoTimestamp(start);
  *result.mutable_variants() = variants.variants();
  SuiteOptions suite;
  suite.engine = options.engine;
  suite.jobs = options.jobs;
  for (const auto& [k, v] : RunEnvironment(suite)) (*result.mutable_environment())[k] = v;
  if (!options.variant_file.empty()) {
    (*result.mutable_environment())["variant_file"] = options.variant_file;
  }
  std::vector<sv1::Scenario> scenarios(files.size());
  std::vector<Job> jobs;
  for (size_t i = 0; i < files.size(); ++i) {
    sv1::CompareRow* row = result.add_rows();
    row->set_file(files[i]);
    absl::StatusOr<CheckedScenario> s = LoadCheckedScenario(files[i], &options.known_variants);
    if (!s.ok()) {
      row->set_scenario(std::filesystem::path(files[i]).stem().string());
      for (const sv1::Variant& v : variants.variants()) {
        *row->add_cells() = compare::FailedCell(v.name(), std::string(s.status().message()));
      }
      continue;
    }
    scenarios[i] = std::move(s->scenario);
    row->set_scenario(scenarios[i].name());
    row->set_description(scenarios[i].description());
    for (int c = 0; c < variants.variants_size(); ++c) {
      Job job;
      job.row = static_cast<int>(i);
      job.col = c;
      job.overlaid = ApplyVariant(scenarios[i], variants.variants(c));
      job.not_applicable = NotApplicableBeforeRun(job.overlaid, files[i], options.known_variants);
      jobs.push_back(std::move(job));
    }
  }
  std::vector<size_t> to_run;
  for (size_t j = 0; j < jobs.size(); ++j) {
    if (jobs[j].not_applicable.empty()) to_run.push_back(j);
  }
  ForEachIndexInParallel(to_run.size(), options.jobs, [&](size_t k) {
    Job& job = jobs[to_run[k]];
    EngineOptions engine = options.engine;
    engine.variant = variants.variants(job.col).name();
    job.result = RunScenario(job.overlaid, files[job.row], engine);
    job.report = WriteRunReport(*job.result, engine.variant, job.row, options.out_dir);
    job.result->clear_trace();  // in the run's report; the matrix needs steps and audit only
  });
  // Cells in column order; the baseline's result (column 0) for the diffs.
  std::vector<const sv1::ScenarioResult*> baseline(files.size(), nullptr);
  for (const Job& job : jobs) {
    if (job.col == 0 && job.result && !job.result->not_applicable()) {
      baseline[job.row] = &*job.result;
    }
  }
  for (Job& job : jobs) {
    const sv1::Variant& v = variants.variants(job.col);
    sv1::CompareRow* row = result.mutable_rows(job.row);
    if (!job.result) {
      *row->add_cells() = compare::NotApplicableCell(v.name(), job.not_applicable);
      continue;
    }
    sv1::CompareCell cell = compare::CellOfRun(v, scenarios[job.row], *job.result);
    if (job.col > 0 && baseline[job.row] != nullptr && !job.result->not_applicable()) {
      for (auto& d : compare::AuditDifferences(*job.result, *baseline[job.row])) {
        *cell.add_audit_differences() = std::move(d);
      }
    }
    cell.set_report(job.report);
    *row->add_cells() = std::move(cell);
  }
  compare::CountCells(result);
  *result.mutable_duration() = ToProtoDuration(absl::Now() - start);
  return result;
}

}  // namespace sct::scenarios
