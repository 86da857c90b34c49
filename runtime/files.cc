#include "runtime/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/base64.h"
#include "common/errors.h"
#include "crypto/random.h"

namespace sct {
namespace {

constexpr size_t kTempSuffixBytes = 6;

absl::Status ReadError(const std::string& path, absl::string_view what, int err) {
  return MakeError(absl::StatusCode::kInternal, "file_unreadable",
                   absl::StrCat(path, ": ", what, ": ", std::strerror(err)));
}

absl::Status WriteError(const std::string& path, absl::string_view what, int err) {
  return MakeError(absl::StatusCode::kInternal, "file_write_failed",
                   absl::StrCat(path, ": ", what, ": ", std::strerror(err)));
}

std::string DirectoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Makes the directory entry of `path` (a create or a rename) durable.
absl::Status SyncDirectoryOf(const std::string& path) {
  const std::string dir = DirectoryOf(path);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return WriteError(dir, "cannot open directory", errno);
  int rc = ::fsync(dfd);
  int err = errno;
  ::close(dfd);
  if (rc != 0) return WriteError(dir, "cannot fsync directory", err);
  return absl::OkStatus();
}

// Writes all of `contents` to `fd`, sets `mode`, fsyncs and closes `fd`
// (also on failure). `path` names the file in errors.
absl::Status WriteSyncClose(int fd, const std::string& path, absl::string_view contents,
                            mode_t mode) {
  absl::Status status = absl::OkStatus();
  size_t written = 0;
  while (status.ok() && written < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      status = WriteError(path, "cannot write", n < 0 ? errno : EIO);
    } else {
      written += static_cast<size_t>(n);
    }
  }
  if (status.ok() && ::fchmod(fd, mode) != 0) status = WriteError(path, "cannot chmod", errno);
  if (status.ok() && ::fsync(fd) != 0) status = WriteError(path, "cannot fsync", errno);
  if (::close(fd) != 0 && status.ok()) status = WriteError(path, "cannot close", errno);
  return status;
}

absl::Status RequirePath(const std::string& path) {
  if (path.empty()) return InvalidField("path", "empty file path");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::optional<std::string>> ReadFileIfExists(const std::string& path,
                                                            size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return ReadError(path, "cannot open", errno);
  }
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return MakeError(absl::StatusCode::kFailedPrecondition, "file_is_directory",
                     absl::StrCat(path, ": is a directory, not a file"));
  }
  std::string out;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      absl::Status st = ReadError(path, "cannot read", errno);
      ::close(fd);
      return st;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max_bytes) {
      ::close(fd);
      return MakeError(absl::StatusCode::kInvalidArgument, "file_too_large",
                       absl::StrCat(path, ": more than ", max_bytes, " bytes"));
    }
  }
  ::close(fd);
  return std::optional<std::string>(std::move(out));
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path, size_t max_bytes) {
  absl::StatusOr<std::optional<std::string>> data = ReadFileIfExists(path, max_bytes);
  if (!data.ok()) return data.status();
  if (!data->has_value()) {
    return MakeError(absl::StatusCode::kNotFound, "file_missing",
                     absl::StrCat(path, ": cannot open: ", std::strerror(ENOENT)));
  }
  return **std::move(data);
}

absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents, mode_t mode) {
  if (absl::Status s = RequirePath(path); !s.ok()) return s;
  absl::StatusOr<std::string> suffix = crypto::RandomBytes(kTempSuffixBytes);
  if (!suffix.ok()) return suffix.status();
  const std::string tmp = absl::StrCat(path, ".tmp-", Base64UrlEncode(*suffix));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return WriteError(tmp, "cannot create", errno);
  if (absl::Status s = WriteSyncClose(fd, tmp, contents, mode); !s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    absl::Status s = WriteError(path, "cannot rename onto", errno);
    ::unlink(tmp.c_str());
    return s;
  }
  return SyncDirectoryOf(path);
}

absl::Status WriteNewFile(const std::string& path, absl::string_view contents, mode_t mode) {
  if (absl::Status s = RequirePath(path); !s.ok()) return s;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) {
      return MakeError(absl::StatusCode::kAlreadyExists, "file_exists",
                       absl::StrCat(path, ": already exists"));
    }
    return WriteError(path, "cannot create", errno);
  }
  if (absl::Status s = WriteSyncClose(fd, path, contents, mode); !s.ok()) {
    ::unlink(path.c_str());  // created above, so ours: leave no partial file
    return s;
  }
  return SyncDirectoryOf(path);
}

}  // namespace sct
