// sct_compare: every scenario under every architecture variant, one matrix
// (docs/comparison.md).
//
//   sct_compare [--variants=A,B,...] [--variant_file=F] [--out=DIR] [--jobs=N]
//               [--binaries_dir=DIR] [--work_dir=DIR] [--relay_store=S]
//               [--relay_api=http|grpc] FILE_OR_DIR_OR_LIST...
//   sct_compare --findings[=COMPARE_JSON] [--out=DIR]
//   sct_compare --render=COMPARE_JSON [--out=DIR]
//
// SCT_TIME_SCALE stretches the engine's deadlines and waits, as for
// sct_scenario (scenarios/engine/time_scale.h); it is kept in compare.json's
// environment.
//
// Exit codes: 0 no cell failed (passed or not applicable); 1 some cell
// failed; 2 usage error, a bad variant file or list, a bad SCT_TIME_SCALE, or
// the result could not be written; 130/143 interrupted (every launched
// process is stopped first).
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "scenarios/compare/compare_files.h"
#include "scenarios/compare/compare_run.h"
#include "scenarios/compare/compare_summary.h"
#include "scenarios/compare/findings.h"
#include "scenarios/compare/variant_set.h"
#include "scenarios/engine/time_scale.h"
#include "scenarios/launcher/launcher.h"

namespace {

namespace sv1 = ::scenario::v1;

constexpr char kUsage[] =
    "usage:\n"
    "  sct_compare [--variants=A,B,...] [--variant_file=F] [--out=DIR] [--jobs=N]\n"
    "              [--binaries_dir=DIR] [--work_dir=DIR] [--relay_store=memory|sqlite|redis]\n"
    "              [--relay_api=http|grpc] FILE_OR_DIR_OR_LIST...\n"
    "  sct_compare --findings[=COMPARE_JSON] [--out=DIR]\n"
    "  sct_compare --render=COMPARE_JSON [--out=DIR]\n"
    "\n"
    "Runs every scenario under every variant (default: all of the variant file,\n"
    "scenarios/variants/variants.textproto; the first column is the baseline),\n"
    "each run on a fresh topology, and writes DIR/compare.html, DIR/compare.json\n"
    "and each run's report under DIR/runs/ (default DIR: out/compare). A *.txt\n"
    "argument lists scenario files, one per line. A cell whose variant cannot\n"
    "run the scenario (e.g. not implemented yet) is NOT APPLICABLE, not failed.\n"
    "--findings prints the findings of a finished comparison as sentences\n"
    "(default: DIR/compare.json). --render writes DIR/compare.html and\n"
    "DIR/compare.json again from a compare.json, running nothing.\n"
    "Exit 0 unless a cell failed.\n";

struct Args {
  std::string out = "out/compare";
  std::string variants;
  std::string variant_file = sct::scenarios::kBuiltInVariantFile;
  std::string findings;  // non-empty: print findings of this compare.json
  bool findings_only = false;
  std::string render;  // non-empty: re-render this compare.json into `out`
  sct::scenarios::CompareOptions options;
  std::vector<std::string> paths;
};

bool Flag(const std::string& arg, const std::string& name, std::string* value) {
  const std::string prefix = "--" + name + "=";
  if (!absl::StartsWith(arg, prefix)) return false;
  *value = arg.substr(prefix.size());
  return true;
}

// False (the reason printed) for a bad argument.
bool ParseArgs(const std::vector<std::string>& argv, Args& a) {
  for (const std::string& arg : argv) {
    std::string v;
    sct::scenarios::EngineOptions& e = a.options.engine;
    if (Flag(arg, "out", &v)) {
      a.out = v;
    } else if (Flag(arg, "variants", &v)) {
      a.variants = v;
    } else if (Flag(arg, "variant_file", &v)) {
      a.variant_file = v;
    } else if (arg == "--findings") {
      a.findings_only = true;
    } else if (Flag(arg, "findings", &v)) {
      a.findings_only = true;
      a.findings = v;
    } else if (Flag(arg, "render", &v)) {
      a.render = v;
    } else if (Flag(arg, "jobs", &v)) {
      if (!absl::SimpleAtoi(v, &a.options.jobs) || a.options.jobs < 1) {
        std::cerr << "--jobs: want a positive number, got \"" << v << "\"\n";
        return false;
      }
    } else if (Flag(arg, "binaries_dir", &v)) {
      e.binaries_dir = v;
    } else if (Flag(arg, "work_dir", &v)) {
      e.work_dir = v;
    } else if (Flag(arg, "relay_store", &v)) {
      const std::string upper = absl::AsciiStrToUpper(v);
      if ((upper != "MEMORY" && upper != "SQLITE" && upper != "REDIS") ||
          !sv1::StoreKind_Parse(upper, &e.relay_store)) {
        std::cerr << "--relay_store: want memory, sqlite or redis, got \"" << v << "\"\n";
        return false;
      }
    } else if (Flag(arg, "relay_api", &v)) {
      const std::string upper = absl::AsciiStrToUpper(v);
      if ((upper != "HTTP" && upper != "GRPC") || !sv1::RelayApi_Parse(upper, &e.relay_api)) {
        std::cerr << "--relay_api: want http or grpc, got \"" << v << "\"\n";
        return false;
      }
    } else if (arg == "--no_color") {
      // Accepted for symmetry with sct_scenario; the summary has no colour.
    } else if (absl::StartsWith(arg, "--")) {
      std::cerr << "unknown flag " << arg << "\n" << kUsage;
      return false;
    } else {
      a.paths.push_back(arg);
    }
  }
  return true;
}

int PrintFindings(const Args& a) {
  const std::string path = a.findings.empty() ? a.out + "/compare.json" : a.findings;
  absl::StatusOr<sv1::CompareResult> r = sct::scenarios::ReadCompareJson(path);
  if (!r.ok()) {
    std::cerr << r.status().message() << "\n";
    return 2;
  }
  for (const std::string& f : sct::scenarios::compare::Findings(*r)) std::cout << f << "\n";
  return 0;
}

int Render(const Args& a) {
  absl::StatusOr<sv1::CompareResult> r = sct::scenarios::ReadCompareJson(a.render);
  if (!r.ok()) {
    std::cerr << r.status().message() << "\n";
    return 2;
  }
  absl::Status written = sct::scenarios::WriteCompare(*r, a.out);
  if (!written.ok()) {
    std::cerr << "compare: " << written.message() << "\n";
    return 2;
  }
  std::cout << "matrix: " << a.out << "/compare.html, " << a.out << "/compare.json\n";
  return 0;
}

int Run(Args& a) {
  absl::StatusOr<sv1::VariantSet> all = sct::scenarios::LoadVariantSet(a.variant_file);
  if (!all.ok()) {
    std::cerr << all.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<sv1::VariantSet> columns = sct::scenarios::SelectVariants(*all, a.variants);
  if (!columns.ok()) {
    std::cerr << columns.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<std::vector<std::string>> files = sct::scenarios::ExpandCompareInputs(a.paths);
  if (!files.ok()) {
    std::cerr << files.status().message() << "\n";
    return 2;
  }
  sct::scenarios::EngineOptions& e = a.options.engine;
  absl::StatusOr<double> scale = sct::scenarios::TimeScaleFromEnv();
  if (!scale.ok()) {
    std::cerr << scale.status().message() << "\n";
    return 2;
  }
  e.time_scale = *scale;
  if (e.binaries_dir.empty()) e.binaries_dir = sct::scenarios::DefaultBinariesDir();
  if (e.binaries_dir.empty()) {
    std::cerr << "cannot find the service binaries (relay/relay_server); build them "
                 "(bazel build //...) or pass --binaries_dir\n";
    return 2;
  }
  if (e.work_dir.empty()) e.work_dir = a.out + "/work";
  e.work_dir = std::filesystem::absolute(e.work_dir).string();
  a.options.out_dir = a.out;
  a.options.known_variants = sct::scenarios::VariantNames(*all);
  a.options.variant_file = a.variant_file;
  std::cerr << "comparing " << files->size() << " scenario(s) under " << columns->variants_size()
            << " variant(s), binaries from " << e.binaries_dir << "\n";
  if (e.time_scale != 1) {
    std::cerr << "time scale: " << sct::scenarios::DescribeTimeScale(e.time_scale) << "\n";
  }
  const sv1::CompareResult result = sct::scenarios::RunCompare(*files, *columns, a.options);
  std::cout << sct::scenarios::compare::CompareSummary(result);
  absl::Status written = sct::scenarios::WriteCompare(result, a.out);
  if (!written.ok()) {
    std::cerr << "compare: " << written.message() << "\n";
    return 2;
  }
  std::cout << "matrix: " << a.out << "/compare.html, " << a.out << "/compare.json\n";
  return result.failed() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  // First, before any thread starts: Ctrl-C stops every launched process.
  sct::scenarios::InstallTeardownOnSignal();
  Args a;
  if (!ParseArgs(std::vector<std::string>(argv + 1, argv + argc), a)) return 2;
  if (a.findings_only) return PrintFindings(a);
  if (!a.render.empty()) return Render(a);
  if (a.paths.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  return Run(a);
}
