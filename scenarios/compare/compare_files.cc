#include "scenarios/compare/compare_files.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "runtime/files.h"
#include "scenarios/compare/compare_html.h"

namespace sct::scenarios {
namespace {

absl::Status IoError(const std::string& what) {
  return MakeError(absl::StatusCode::kInternal, "io_error", what);
}

absl::Status Write(const std::filesystem::path& path, const std::string& data) {
  absl::Status st = WriteFileAtomically(path.string(), data, 0644);
  if (!st.ok()) return IoError(absl::StrCat("cannot write ", path.string(), ": ", st.message()));
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteCompare(const scenario::v1::CompareResult& result, const std::string& dir) {
  if (dir.empty()) return InvalidField("out_dir", "must not be empty");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir, ec)) {
    return IoError(
        absl::StrCat("cannot create directory ", dir, ": ", ec ? ec.message() : "not a directory"));
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  const auto encoded = google::protobuf::util::MessageToJsonString(result, &json, options);
  if (!encoded.ok())
    return IoError(absl::StrCat("cannot encode compare.json: ", encoded.ToString()));
  const std::filesystem::path d(dir);
  RETURN_IF_ERROR(Write(d / "compare.json", json));
  return Write(d / "compare.html", compare::CompareHtml(result));
}

absl::StatusOr<scenario::v1::CompareResult> ReadCompareJson(const std::string& path) {
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok()) {
    return MakeError(absl::StatusCode::kNotFound, "file_not_found",
                     absl::StrCat(path, ": cannot read (run ./sct compare first)"));
  }
  scenario::v1::CompareResult result;
  const auto decoded = google::protobuf::util::JsonStringToMessage(*text, &result);
  if (!decoded.ok()) {
    return InvalidField(path, absl::StrCat("not a compare.json: ", decoded.ToString()));
  }
  return result;
}

}  // namespace sct::scenarios
