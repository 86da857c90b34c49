#include "scenarios/experiment/report/experiment_report.h"

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "runtime/files.h"
#include "scenarios/experiment/report/aggregate.h"
#include "scenarios/experiment/report/csv.h"
#include "scenarios/experiment/report/experiment_html.h"

namespace sct::scenarios::experiment {
namespace {

using scenario::v1::ExperimentResult;

constexpr mode_t kFileMode = 0644;

absl::Status IoError(const std::string& what) {
  return MakeError(absl::StatusCode::kInternal, "io_error", what);
}

absl::Status MakeDirectory(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return IoError(absl::StrCat("cannot create ", dir.string(), ": ", ec.message()));
  return absl::OkStatus();
}

absl::Status Write(const std::filesystem::path& path, const std::string& data) {
  const absl::Status st = WriteFileAtomically(path.string(), data, kFileMode);
  if (!st.ok()) return IoError(absl::StrCat("cannot write ", path.string(), ": ", st.message()));
  return absl::OkStatus();
}

absl::Status WriteExperiment(const ExperimentResult& r, const std::filesystem::path& dir) {
  RETURN_IF_ERROR(MakeDirectory(dir));
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  const auto st = google::protobuf::util::MessageToJsonString(r, &json, options);
  if (!st.ok()) {
    return IoError(absl::StrCat("cannot encode ", (dir / "result.json").string(), ": ",
                                st.ToString()));
  }
  RETURN_IF_ERROR(Write(dir / "result.json", json));
  RETURN_IF_ERROR(Write(dir / "runs.csv", RunsCsv(r)));
  return Write(dir / "points.csv", PointsCsv(r));
}

}  // namespace

absl::Status WriteExperimentReport(const std::vector<ExperimentResult>& results,
                                   const std::string& out_dir) {
  const std::filesystem::path out(out_dir);
  RETURN_IF_ERROR(MakeDirectory(out));
  std::vector<ExperimentResult> aggregated = results;
  for (ExperimentResult& r : aggregated) Aggregate(r);
  const std::vector<std::string> dirs = ExperimentDirs(aggregated);
  for (size_t i = 0; i < aggregated.size(); ++i) {
    RETURN_IF_ERROR(WriteExperiment(aggregated[i], out / dirs[i]));
  }
  return Write(out / "report.html", ExperimentReportHtml(aggregated));
}

}  // namespace sct::scenarios::experiment
