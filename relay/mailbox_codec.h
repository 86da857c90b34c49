// A Mailbox as one compact byte string, for stores that keep each mailbox as
// a single value (the Redis store's string per mailbox, the memory store's
// flat set) instead of one field, key or heap object per member.
//
// Layout: a fixed 42-byte header that can be read without decoding —
//   [0, 2)   "m2" (format)
//   [2, 22)  version, 20-digit zero-padded decimal
//   [22, 42) expires_at, 20-digit zero-padded Unix nanoseconds (0 if before
//            1970)
// Fixed-width decimals make byte order equal numeric order, so a Redis Lua
// script compares them as strings (no doubles) — then every other field
// except the id (a store keeps it in its key), each "<length>:<bytes>" (the
// payload type, when one of the draft's two, as one byte).
// Plain functions, no state; DecodeMailbox returns DATA_LOSS "store_error"
// for anything that does not decode.
#ifndef SCT_RELAY_MAILBOX_CODEC_H_
#define SCT_RELAY_MAILBOX_CODEC_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "relay/mailbox.h"

namespace sct::relay {

inline constexpr size_t kRecordHeaderBytes = 42;

std::string EncodeMailbox(const Mailbox& m);
// The mailbox `data` encodes, with the id `id`.
absl::StatusOr<Mailbox> DecodeMailbox(absl::string_view data, absl::string_view id = "");

// The header's fields as stored (20 digits each); empty if `record` has no
// valid header.
absl::string_view RecordVersionDigits(absl::string_view record);
absl::string_view RecordExpiryDigits(absl::string_view record);
// The header's fields as values; false if `record` has no valid header.
bool ReadRecordHeader(absl::string_view record, int64_t* version, absl::Time* expires_at);

// The header's encodings of a time and of a version.
std::string PaddedNanos(absl::Time t);
std::string PaddedVersion(int64_t version);

}  // namespace sct::relay

#endif  // SCT_RELAY_MAILBOX_CODEC_H_
