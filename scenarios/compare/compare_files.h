// The comparison's files: DIR/compare.json (proto3 JSON of
// scenario.v1.CompareResult) and DIR/compare.html (compare_html.h), and
// reading compare.json back (for `sct compare --findings`).
//
// Errors: INVALID_ARGUMENT "invalid_field" for an empty directory or a
// compare.json that does not decode (naming the path); INTERNAL
// "io_error" naming the path when a file cannot be written; NOT_FOUND
// "file_not_found" when compare.json cannot be read. Thread-compatible
// (callers serialise writes to one directory).
#ifndef SCT_SCENARIOS_COMPARE_COMPARE_FILES_H_
#define SCT_SCENARIOS_COMPARE_COMPARE_FILES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios {

// Writes `dir`/compare.json and `dir`/compare.html, creating `dir`; each
// file replaced atomically.
absl::Status WriteCompare(const scenario::v1::CompareResult& result, const std::string& dir);

// Reads a compare.json.
absl::StatusOr<scenario::v1::CompareResult> ReadCompareJson(const std::string& path);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_COMPARE_COMPARE_FILES_H_
