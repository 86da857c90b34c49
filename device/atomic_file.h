// Durable whole-file writes for the device's state file.
//
// WriteFileAtomically writes `contents` to a temporary file beside `path`
// (mode 0600), fsyncs it, renames it over `path` and fsyncs the directory, so
// a crash leaves either the old or the new file, never a torn one. The file
// holds secrets (the secure element's keys): nothing here logs contents.
//
// Errors: INTERNAL (reason "state_file_write_failed") with errno text naming
// the path; ReadWholeFile returns NOT_FOUND (reason "state_file_missing")
// when the file does not exist. Thread-compatible (callers serialise writes
// to one path).
#ifndef SCT_DEVICE_ATOMIC_FILE_H_
#define SCT_DEVICE_ATOMIC_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sct::device {

absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents);

absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

}  // namespace sct::device

#endif  // SCT_DEVICE_ATOMIC_FILE_H_
