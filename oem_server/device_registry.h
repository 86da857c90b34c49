// The OEM server's durable record of its own devices: who is enrolled (and
// the hash of each device's bearer token), which keys the attestation CA
// certified for which device, which push tokens route to which device, and
// each device's bounded notification queue.
//
// What is NOT here, by design: mailbox secrets (the OEM never sees them),
// share tokens, PINs, credentials, and any identity of another OEM's devices.
//
// Implementations must be thread-safe and must have committed a write before
// returning OK from it (a restarted OEM keeps every acknowledged enrolment,
// push route and queued notification).
//
// Error codes common to every method: UNAVAILABLE when the backing store
// fails (message carries the store's error text). Others are listed per method.
#ifndef SCT_OEM_SERVER_DEVICE_REGISTRY_H_
#define SCT_OEM_SERVER_DEVICE_REGISTRY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sct::oem {

// One enrolled device.
struct DeviceRecord {
  std::string device_id;      // OEM-assigned UUIDv4
  std::string identity_spki;  // DER SPKI of the secure element's identity key
  std::string token_hash;     // SHA-256 of the bearer token (never the token)
  std::string model;          // free-form, no personal data
  absl::Time enrolled_at = absl::InfinitePast();
};

// A key the attestation CA certified, found by the SHA-256 of its certificate.
struct AttestedKey {
  std::string device_id;
  std::string public_key_spki;
};

// Where a push token routes.
struct PushRoute {
  std::string device_id;
  absl::Time expires_at = absl::InfinitePast();
};

// A notification kept for a device (delivered or waiting for a stream).
struct StoredNotification {
  uint64_t sequence = 0;  // per device, strictly increasing from 1
  std::string mailbox_id;
  std::string token_data;
  absl::Time received_at = absl::InfinitePast();
  bool delivered = false;
};

class DeviceRegistry {
 public:
  virtual ~DeviceRegistry() = default;

  // ALREADY_EXISTS if the device id or the identity key is already enrolled.
  virtual absl::Status InsertDevice(const DeviceRecord& device) = 0;
  // NOT_FOUND if no such device.
  virtual absl::StatusOr<DeviceRecord> GetDevice(
      absl::string_view device_id) = 0;

  // Records that `cert_sha256` certifies `key` (idempotent for the same pair).
  virtual absl::Status InsertAttestedKey(absl::string_view cert_sha256,
                                         const AttestedKey& key,
                                         absl::Time created_at) = 0;
  // NOT_FOUND if the CA never issued a certificate with that hash.
  virtual absl::StatusOr<AttestedKey> GetAttestedKey(
      absl::string_view cert_sha256) = 0;

  // ALREADY_EXISTS on a token collision (practically impossible: 256 bits).
  virtual absl::Status InsertPushToken(absl::string_view token,
                                       const PushRoute& route) = 0;
  // NOT_FOUND if unknown or expired at `now`.
  virtual absl::StatusOr<PushRoute> GetPushToken(absl::string_view token,
                                                 absl::Time now) = 0;
  // Deletes up to `limit` push tokens expired at `now`; returns how many.
  virtual absl::StatusOr<int64_t> SweepExpiredPushTokens(absl::Time now,
                                                         int64_t limit) = 0;

  // Appends a notification for `device_id` with the next sequence number and
  // then keeps only the newest `keep` notifications of that device (the queue
  // bound). Returns the stored notification (with its sequence).
  // NOT_FOUND if the device is unknown; INVALID_ARGUMENT if keep < 1.
  virtual absl::StatusOr<StoredNotification> AppendNotification(
      absl::string_view device_id, const StoredNotification& notification,
      int keep) = 0;
  // Notifications of `device_id` with sequence > after_sequence, oldest
  // first; only the undelivered ones when `undelivered_only`.
  virtual absl::StatusOr<std::vector<StoredNotification>> ReadNotifications(
      absl::string_view device_id, uint64_t after_sequence,
      bool undelivered_only) = 0;
  // Marks notifications of `device_id` with sequence <= up_to as delivered.
  virtual absl::Status MarkDelivered(absl::string_view device_id,
                                     uint64_t up_to) = 0;
  // The highest sequence ever assigned to `device_id` (0 if none).
  // NOT_FOUND if the device is unknown.
  virtual absl::StatusOr<uint64_t> LastSequence(
      absl::string_view device_id) = 0;
};

}  // namespace sct::oem

#endif  // SCT_OEM_SERVER_DEVICE_REGISTRY_H_
