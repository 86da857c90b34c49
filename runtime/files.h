// Whole-file reads and durable writes: the one place where the services read
// a key, certificate or state file and write one back.
//
// WriteFileAtomically replaces a file so that a crash leaves either the old
// or the new contents, never a torn file: it writes a temporary file beside
// `path` (random suffix, created O_EXCL with mode 0600 so nobody else can
// open it meanwhile), sets `mode`, fsyncs it, renames it over `path` and
// fsyncs the directory. WriteNewFile creates a file that must not exist yet
// (O_EXCL), with `mode`, and makes it durable the same way. Modes are set
// exactly (fchmod), whatever the process umask.
//
// Files often hold secrets (private keys, the secure element's state):
// nothing here logs or puts contents into an error message.
//
// Errors (messages are "<path>: <what>[: <errno text>]"):
//   ReadWholeFile: NOT_FOUND "file_missing" when nothing is at `path`;
//     FAILED_PRECONDITION "file_is_directory" for a directory; INTERNAL
//     "file_unreadable" when it cannot be opened or read otherwise.
//     INVALID_ARGUMENT "file_too_large" when it holds more than `max_bytes`
//     (read stops there: at most max_bytes + 8 KiB is ever buffered).
//   ReadFileIfExists: the same, but nullopt instead of NOT_FOUND.
//   WriteFileAtomically / WriteNewFile: INVALID_ARGUMENT "invalid_field" for
//     an empty path; ALREADY_EXISTS "file_exists" (WriteNewFile only) when
//     `path` exists; INTERNAL "file_write_failed" for any other failure (no
//     temporary file is left behind).
//
// Thread-safety: the functions keep no state; callers serialise writes to
// one path.
#ifndef SCT_RUNTIME_FILES_H_
#define SCT_RUNTIME_FILES_H_

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sct {

// No bound on a file's size (the services' own key and state files).
inline constexpr size_t kNoFileSizeLimit = static_cast<size_t>(-1);

absl::StatusOr<std::string> ReadWholeFile(const std::string& path,
                                          size_t max_bytes = kNoFileSizeLimit);

absl::StatusOr<std::optional<std::string>> ReadFileIfExists(const std::string& path,
                                                            size_t max_bytes = kNoFileSizeLimit);

absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents, mode_t mode);

absl::Status WriteNewFile(const std::string& path, absl::string_view contents, mode_t mode);

}  // namespace sct

#endif  // SCT_RUNTIME_FILES_H_
