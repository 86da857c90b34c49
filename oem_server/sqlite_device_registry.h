// DeviceRegistry in one SQLite file (--db_path): the OEM server's durable
// default, on the project's SQLite wrapper (runtime/sqlite.h).
//
// Through runtime/sqlite_store.h: WAL mode, group commit with the durability
// of synchronous=FULL (a write that returned OK survives a crash and a power
// loss; concurrent writes share one sync, taken outside the write lock),
// reads on a separate connection. Every change (append + trim of a
// notification queue, too) runs in one transaction. Times are stored as Unix microseconds. A schema_version
// table guards against opening a file written by an incompatible version.
//
// Thread-safe. Error codes are DeviceRegistry's, plus
// INVALID_ARGUMENT "invalid_field" from Open for an empty path and
// FAILED_PRECONDITION "store_unavailable" from Open (naming the file) when the
// file cannot be opened, is not a database or has another schema version.
#ifndef SCT_OEM_SERVER_SQLITE_DEVICE_REGISTRY_H_
#define SCT_OEM_SERVER_SQLITE_DEVICE_REGISTRY_H_

#include <memory>
#include <string>

#include "oem_server/device_registry.h"
#include "runtime/sqlite.h"
#include "runtime/sqlite_store.h"

namespace sct::oem {

class SqliteDeviceRegistry : public DeviceRegistry {
 public:
  inline static constexpr int kSchemaVersion = 1;

  // Opens (creating if needed) the database at `path`.
  static absl::StatusOr<std::unique_ptr<SqliteDeviceRegistry>> Open(
      const std::string& path, SqliteStoreOptions options = {});
  ~SqliteDeviceRegistry() override;
  SqliteDeviceRegistry(const SqliteDeviceRegistry&) = delete;
  SqliteDeviceRegistry& operator=(const SqliteDeviceRegistry&) = delete;

  absl::Status InsertDevice(const DeviceRecord& device) override;
  absl::StatusOr<DeviceRecord> GetDevice(absl::string_view device_id) override;
  absl::Status InsertAttestedKey(absl::string_view cert_sha256, const AttestedKey& key,
                                 absl::Time created_at) override;
  absl::StatusOr<AttestedKey> GetAttestedKey(absl::string_view cert_sha256) override;
  absl::Status InsertPushToken(absl::string_view token, const PushRoute& route) override;
  absl::StatusOr<PushRoute> GetPushToken(absl::string_view token, absl::Time now) override;
  absl::StatusOr<int64_t> SweepExpiredPushTokens(absl::Time now, int64_t limit) override;
  absl::StatusOr<StoredNotification> AppendNotification(absl::string_view device_id,
                                                        const StoredNotification& notification,
                                                        int keep) override;
  absl::StatusOr<std::vector<StoredNotification>> ReadNotifications(absl::string_view device_id,
                                                                    uint64_t after_sequence,
                                                                    bool undelivered_only) override;
  absl::Status MarkDelivered(absl::string_view device_id, uint64_t up_to) override;
  absl::StatusOr<uint64_t> LastSequence(absl::string_view device_id) override;

  const std::string& path() const { return path_; }

 private:
  explicit SqliteDeviceRegistry(std::unique_ptr<SqliteStore> store);
  // Creates the tables if needed and checks or writes the schema version.
  absl::Status Init();

  const std::string path_;
  const std::unique_ptr<SqliteStore> store_;
};

}  // namespace sct::oem

#endif  // SCT_OEM_SERVER_SQLITE_DEVICE_REGISTRY_H_
