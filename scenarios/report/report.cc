// Writing the report's files: report.json, report.html and diagrams/*.svg.
#include "scenarios/report/report.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "google/protobuf/util/json_util.h"

namespace sct::scenarios {
namespace {

using scenario::v1::Report;

absl::Status IoError(const std::string& what) {
  return MakeError(absl::StatusCode::kInternal, "io_error", what);
}

// Writes `data` to `path` through `path`.tmp and a rename, so a reader never
// sees a half-written file.
absl::Status WriteFile(const std::filesystem::path& path, const std::string& data) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) {
      return IoError(absl::StrCat("cannot write ", path.string(), ": ", std::strerror(errno)));
    }
    f.write(data.data(), static_cast<std::streamsize>(data.size()));
    f.close();
    if (!f) {
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      return IoError(absl::StrCat("cannot write ", path.string(), ": write failed"));
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    return IoError(absl::StrCat("cannot write ", path.string(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

absl::Status WriteJson(const Report& report, const std::filesystem::path& path) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  const auto st = google::protobuf::util::MessageToJsonString(report, &json, options);
  if (!st.ok()) {
    return IoError(absl::StrCat("cannot encode ", path.string(), ": ", st.ToString()));
  }
  return WriteFile(path, json);
}

// Standalone diagrams for slides: diagrams/<anchor>.svg.
absl::Status WriteDiagrams(const Report& report, const std::filesystem::path& dir) {
  if (report.scenarios_size() == 0) return absl::OkStatus();
  const std::filesystem::path diagrams = dir / "diagrams";
  std::error_code ec;
  std::filesystem::create_directories(diagrams, ec);
  if (ec) {
    return IoError(absl::StrCat("cannot create directory ", diagrams.string(), ": ", ec.message()));
  }
  for (int i = 0; i < report.scenarios_size(); ++i) {
    const scenario::v1::ScenarioResult& r = report.scenarios(i);
    RETURN_IF_ERROR(WriteFile(diagrams / absl::StrCat(report::ScenarioAnchor(i, r.name()), ".svg"),
                              SequenceDiagramSvg(r)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteReport(const Report& report, const std::string& out_dir) {
  if (out_dir.empty()) return InvalidField("out_dir", "must not be empty");
  std::error_code ec;
  const std::filesystem::path dir(out_dir);
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir, ec)) {
    return IoError(absl::StrCat("cannot create directory ", out_dir, ": ",
                                ec ? ec.message() : "not a directory"));
  }
  RETURN_IF_ERROR(WriteJson(report, dir / "report.json"));
  RETURN_IF_ERROR(WriteFile(dir / "report.html", ReportHtml(report)));
  return WriteDiagrams(report, dir);
}

}  // namespace sct::scenarios
