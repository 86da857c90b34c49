#include "device/state_slots.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "crypto/digest.h"
#include "runtime/files.h"

namespace sct::device {
namespace {

constexpr absl::string_view kMagic = "SCTSEAB1";
constexpr uint64_t kBlock = 4096;

void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetU64(absl::string_view in) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

// The header of a record: magic, sequence, payload length and the SHA-256 of
// those 24 bytes and the payload (hashed in place: the payload is the
// device's whole state, a megabyte or more, written many times a second).
std::string EncodeHeader(uint64_t sequence, absl::string_view payload) {
  std::string header(kMagic);
  PutU64(&header, sequence);
  PutU64(&header, payload.size());
  header += crypto::Sha256Concat({header, payload});
  return header;
}

struct Record {
  uint64_t sequence;
  absl::string_view payload;
};

// The record in `half`, when its magic, length and checksum hold.
std::optional<Record> DecodeRecord(absl::string_view half) {
  if (half.size() < StateSlots::kHeaderSize || half.substr(0, kMagic.size()) != kMagic) {
    return std::nullopt;
  }
  const uint64_t length = GetU64(half.substr(16, 8));
  if (length > half.size() - StateSlots::kHeaderSize) return std::nullopt;
  const absl::string_view payload = half.substr(StateSlots::kHeaderSize, length);
  if (crypto::Sha256Concat({half.substr(0, 24), payload}) != half.substr(24, 32)) {
    return std::nullopt;
  }
  return Record{GetU64(half.substr(8, 8)), payload};
}

absl::Status WriteError(const std::string& path, absl::string_view what, int err) {
  return MakeError(absl::StatusCode::kInternal, "file_write_failed",
                   absl::StrCat(path, ": ", what, ": ", std::strerror(err)));
}

// Writes all of `data` at `offset`.
absl::Status PwriteAll(int fd, const std::string& path, absl::string_view data, off_t offset) {
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::pwrite(fd, data.data() + written, data.size() - written,
                         offset + static_cast<off_t>(written));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return WriteError(path, "cannot write", n < 0 ? errno : EIO);
    written += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::optional<StateSlots::Loaded>> StateSlots::Load() {
  half_ = 0;
  newest_ = -1;
  ASSIGN_OR_RETURN(std::optional<std::string> bytes, ReadFileIfExists(path_));
  if (!bytes.has_value()) return std::optional<Loaded>();
  const absl::string_view all = *bytes;
  if (all.size() >= 2 * kHeaderSize && all.size() % 2 == 0) {
    const uint64_t half = all.size() / 2;
    std::optional<Record> records[2];
    bool laid_out = false;
    for (int i = 0; i < 2; ++i) {
      const absl::string_view h = all.substr(i * half, half);
      laid_out = laid_out || h.substr(0, kMagic.size()) == kMagic;
      records[i] = DecodeRecord(h);
    }
    int newest = -1;
    for (int i = 0; i < 2; ++i) {
      if (records[i] && (newest < 0 || records[i]->sequence > records[newest]->sequence)) {
        newest = i;
      }
    }
    if (newest >= 0) {
      half_ = half;
      newest_ = newest;
      sequence_ = records[newest]->sequence;
      for (int i = 0; i < 2; ++i) {
        used_[i] = records[i] ? kHeaderSize + records[i]->payload.size() : half;
      }
      return std::optional<Loaded>(Loaded{std::string(records[newest]->payload), false});
    }
    if (laid_out) {
      return MakeError(absl::StatusCode::kDataLoss, "state_file_corrupt",
                       absl::StrCat("state file ", path_,
                                    ": neither slot holds a valid record (checksum)"));
    }
  }
  return std::optional<Loaded>(Loaded{*std::move(bytes), true});
}

absl::Status StateSlots::Write(absl::string_view payload) {
  const std::string header = EncodeHeader(sequence_ + 1, payload);
  if (half_ == 0 || header.size() + payload.size() > half_) return Relayout(header, payload);
  return WriteInPlace(newest_ == 0 ? 1 : 0, header, payload);
}

absl::Status StateSlots::Relayout(absl::string_view header, absl::string_view payload) {
  const uint64_t size = header.size() + payload.size();
  const uint64_t half = std::max<uint64_t>(kBlock, (2 * size + kBlock - 1) / kBlock * kBlock);
  std::string file;
  file.reserve(2 * half);
  file.append(header.data(), header.size());
  file.append(payload.data(), payload.size());
  file.resize(2 * half, '\0');
  half_ = 0;  // until the new layout is on disk
  RETURN_IF_ERROR(WriteFileAtomically(path_, file, 0600));
  half_ = half;
  newest_ = 0;
  used_[0] = size;
  used_[1] = 0;
  ++sequence_;
  ++relayouts_;
  return absl::OkStatus();
}

absl::Status StateSlots::WriteInPlace(int slot, absl::string_view header,
                                      absl::string_view payload) {
  int fd = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return Relayout(header, payload);  // the file went away
  if (fd < 0) return WriteError(path_, "cannot open", errno);
  // Header and payload are written from where they are (no copy of the
  // payload); the older record's tail beyond the new one is zeroed as well.
  const uint64_t size = header.size() + payload.size();
  const off_t base = static_cast<off_t>(slot * half_);
  absl::Status status = PwriteAll(fd, path_, header, base);
  if (status.ok()) {
    status = PwriteAll(fd, path_, payload, base + static_cast<off_t>(header.size()));
  }
  static constexpr char kZeros[64 * 1024] = {};
  for (uint64_t at = size; status.ok() && at < used_[slot];) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(sizeof(kZeros), used_[slot] - at));
    status = PwriteAll(fd, path_, absl::string_view(kZeros, n), base + static_cast<off_t>(at));
    at += n;
  }
  if (status.ok() && ::fdatasync(fd) != 0) status = WriteError(path_, "cannot fdatasync", errno);
  if (::close(fd) != 0 && status.ok()) status = WriteError(path_, "cannot close", errno);
  if (!status.ok()) {
    half_ = 0;  // what that half holds is unknown: the next write lays the file out anew
    return status;
  }
  used_[slot] = size;
  newest_ = slot;
  ++sequence_;
  ++in_place_writes_;
  return absl::OkStatus();
}

}  // namespace sct::device
