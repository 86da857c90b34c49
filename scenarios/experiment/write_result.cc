#include "scenarios/experiment/write_result.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "google/protobuf/util/json_util.h"

namespace sct::scenarios::experiment {

absl::StatusOr<std::string> WriteResultJson(const scenario::v1::ExperimentResult& result,
                                            const std::string& dir) {
  const std::filesystem::path sub = std::filesystem::path(dir) / result.name();
  const std::filesystem::path path = sub / "result.json";
  auto io = [&](const std::string& what) {
    return MakeError(absl::StatusCode::kInternal, "io_error",
                     absl::StrCat("cannot write ", path.string(), ": ", what));
  };
  std::error_code ec;
  std::filesystem::create_directories(sub, ec);
  if (ec) return io(ec.message());
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  const auto st = google::protobuf::util::MessageToJsonString(result, &json, options);
  if (!st.ok()) return io(st.ToString());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << json;
  out.close();
  if (!out) return io("write failed");
  return path.string();
}

}  // namespace sct::scenarios::experiment
