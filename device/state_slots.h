// The secure element's state file as two slots (A/B) in one file: a durable
// write costs one fdatasync, where write-temp + fsync + rename + directory
// fsync cost two.
//
// Layout: the file is two halves of equal size. Each half holds one record
//   "SCTSEAB1" (8) | sequence (u64 LE) | payload length (u64 LE) |
//   SHA-256 of the 24 bytes before it and the payload (32) | payload |
//   zero bytes up to the half's end.
// Write puts the next record (sequence + 1) into the half that does not hold
// the newest record, in place (the file keeps its size and its blocks, so
// fdatasync has no metadata to write), then fdatasyncs. A crash during that
// write leaves that half failing its checksum and the other half, the
// previous state, intact; a write is acknowledged only after its fdatasync.
// Load takes the valid record with the highest sequence.
//
// A new file, a payload that does not fit its half, and the first write after
// a failed one lay the file out anew (halves of at least twice the record,
// 4 KiB multiples) with runtime/files.h WriteFileAtomically (temp file 0600 +
// fsync + rename + directory fsync): the two syncs are paid only then.
// Bytes of an older, longer record beyond the new one are overwritten with
// zeros, so a slot holds no stale tail.
//
// A file that has no slot layout (no record magic at the start of either
// half) is returned whole as a legacy single-record file; the caller converts
// it by writing (which lays the file out).
//
// Errors: DATA_LOSS "state_file_corrupt" when the file has the slot layout
// but neither half holds a valid record; INTERNAL "file_write_failed" /
// "file_unreadable" from the file system (messages name the path, never the
// contents). Not thread-safe: the owner serialises calls.
#ifndef SCT_DEVICE_STATE_SLOTS_H_
#define SCT_DEVICE_STATE_SLOTS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sct::device {

class StateSlots {
 public:
  explicit StateSlots(std::string path) : path_(std::move(path)) {}

  struct Loaded {
    std::string payload;
    // The file has no slot layout: `payload` is the whole file.
    bool legacy = false;
  };

  // Reads the file: nullopt when there is none.
  absl::StatusOr<std::optional<Loaded>> Load();

  // Stores `payload` durably as the newest record.
  absl::Status Write(absl::string_view payload);

  // Writes that laid the file out anew (two syncs) and writes in place (one).
  uint64_t relayouts() const { return relayouts_; }
  uint64_t in_place_writes() const { return in_place_writes_; }

  // Bytes before the payload in each half.
  static constexpr size_t kHeaderSize = 8 + 8 + 8 + 32;

 private:
  absl::Status Relayout(absl::string_view header, absl::string_view payload);
  absl::Status WriteInPlace(int slot, absl::string_view header, absl::string_view payload);

  std::string path_;
  uint64_t half_ = 0;  // bytes per half; 0 = not laid out (absent, legacy, failed write)
  int newest_ = -1;    // the half with the newest record
  uint64_t sequence_ = 0;
  uint64_t used_[2] = {0, 0};  // bytes of each half that may be non-zero
  uint64_t relayouts_ = 0;
  uint64_t in_place_writes_ = 0;
};

}  // namespace sct::device

#endif  // SCT_DEVICE_STATE_SLOTS_H_
