#include "oem_server/sqlite_device_registry.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace sct::oem {
namespace {

constexpr absl::string_view kSchema =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS devices ("
    "  device_id BLOB PRIMARY KEY, identity_spki BLOB NOT NULL UNIQUE,"
    "  token_hash BLOB NOT NULL, model BLOB NOT NULL,"
    "  enrolled_at INTEGER NOT NULL, last_sequence INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS attested_keys ("
    "  cert_sha256 BLOB PRIMARY KEY, device_id BLOB NOT NULL,"
    "  public_key_spki BLOB NOT NULL, created_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS push_tokens ("
    "  token BLOB PRIMARY KEY, device_id BLOB NOT NULL,"
    "  expires_at INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS push_tokens_expiry ON push_tokens(expires_at);"
    "CREATE TABLE IF NOT EXISTS notifications ("
    "  device_id BLOB NOT NULL, sequence INTEGER NOT NULL,"
    "  mailbox_id BLOB NOT NULL, token_data BLOB NOT NULL,"
    "  received_at INTEGER NOT NULL, delivered INTEGER NOT NULL,"
    "  PRIMARY KEY (device_id, sequence));";

absl::Status UnknownDevice() {
  return MakeError(absl::StatusCode::kNotFound, "unknown_device", "no such device");
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteDeviceRegistry>> SqliteDeviceRegistry::Open(
    const std::string& path, SqliteStoreOptions options) {
  if (path.empty()) return InvalidField("db_path", "must not be empty");
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> store, SqliteStore::Open(path, std::move(options)));
  std::unique_ptr<SqliteDeviceRegistry> registry(new SqliteDeviceRegistry(std::move(store)));
  RETURN_IF_ERROR(registry->Init());
  return registry;
}

SqliteDeviceRegistry::SqliteDeviceRegistry(std::unique_ptr<SqliteStore> store)
    : path_(store->path()), store_(std::move(store)) {}

SqliteDeviceRegistry::~SqliteDeviceRegistry() = default;

absl::Status SqliteDeviceRegistry::Init() {
  return store_->Write([&](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
    if (absl::Status s = db.Exec(kSchema); !s.ok()) {
      return MakeError(
          absl::StatusCode::kFailedPrecondition, "store_unavailable",
          absl::StrCat("cannot initialise device registry (not a database?): ", s.message()));
    }
    ASSIGN_OR_RETURN(SqliteStatement get,
                     SqliteStatement::Prepare(db, "SELECT version FROM schema_version;"));
    ASSIGN_OR_RETURN(bool row, get.Step());
    if (row) {
      const int64_t version = get.Int(0);
      if (version != kSchemaVersion) {
        return MakeError(absl::StatusCode::kFailedPrecondition, "store_unavailable",
                         absl::StrCat("device registry ", path_, " has schema version ", version,
                                      ", this binary supports ", kSchemaVersion));
      }
      return SqliteCommit::kRollback;
    }
    ASSIGN_OR_RETURN(
        SqliteStatement put,
        SqliteStatement::Prepare(db, "INSERT INTO schema_version (version) VALUES (?1);"));
    RETURN_IF_ERROR(put.BindInt(1, kSchemaVersion).Run());
    return SqliteCommit::kCommit;
  });
}

absl::Status SqliteDeviceRegistry::InsertDevice(const DeviceRecord& device) {
  return store_->Write([&](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
    // OR IGNORE: a row that would repeat a device id or an identity key is
    // skipped, and no row changed means "already enrolled".
    ASSIGN_OR_RETURN(
        SqliteStatement st,
        SqliteStatement::Prepare(
            db,
            "INSERT OR IGNORE INTO devices (device_id, identity_spki, token_hash, model,"
            " enrolled_at, last_sequence) VALUES (?1, ?2, ?3, ?4, ?5, 0);"));
    st.BindBlob(1, device.device_id)
        .BindBlob(2, device.identity_spki)
        .BindBlob(3, device.token_hash)
        .BindBlob(4, device.model)
        .BindTime(5, device.enrolled_at);
    RETURN_IF_ERROR(st.Run());
    if (st.Changes() == 0) {
      return MakeError(absl::StatusCode::kAlreadyExists, "device_already_enrolled",
                       "device id or identity key already enrolled");
    }
    return SqliteCommit::kCommit;
  });
}

absl::StatusOr<DeviceRecord> SqliteDeviceRegistry::GetDevice(absl::string_view device_id) {
  DeviceRecord d;
  RETURN_IF_ERROR(store_->Read([&](SqliteDb& db) -> absl::Status {
    ASSIGN_OR_RETURN(
        SqliteStatement st,
        SqliteStatement::Prepare(db,
                                 "SELECT identity_spki, token_hash, model, enrolled_at FROM "
                                 "devices WHERE device_id = ?1;"));
    st.BindBlob(1, device_id);
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return UnknownDevice();
    d.device_id = std::string(device_id);
    d.identity_spki = st.Blob(0);
    d.token_hash = st.Blob(1);
    d.model = st.Blob(2);
    d.enrolled_at = st.Time(3);
    return absl::OkStatus();
  }));
  return d;
}

absl::Status SqliteDeviceRegistry::InsertAttestedKey(absl::string_view cert_sha256,
                                                     const AttestedKey& key,
                                                     absl::Time created_at) {
  return store_->Write([&](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
    ASSIGN_OR_RETURN(
        SqliteStatement st,
        SqliteStatement::Prepare(db,
                                 "INSERT OR IGNORE INTO attested_keys (cert_sha256, device_id,"
                                 " public_key_spki, created_at) VALUES (?1, ?2, ?3, ?4);"));
    st.BindBlob(1, cert_sha256)
        .BindBlob(2, key.device_id)
        .BindBlob(3, key.public_key_spki)
        .BindTime(4, created_at);
    RETURN_IF_ERROR(st.Run());
    return SqliteCommit::kCommit;
  });
}

absl::StatusOr<AttestedKey> SqliteDeviceRegistry::GetAttestedKey(absl::string_view cert_sha256) {
  AttestedKey key;
  RETURN_IF_ERROR(store_->Read([&](SqliteDb& db) -> absl::Status {
    ASSIGN_OR_RETURN(
        SqliteStatement st,
        SqliteStatement::Prepare(
            db, "SELECT device_id, public_key_spki FROM attested_keys WHERE cert_sha256 = ?1;"));
    st.BindBlob(1, cert_sha256);
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      return MakeError(absl::StatusCode::kNotFound, "unknown_attestation",
                       "certificate not issued by this OEM");
    }
    key = AttestedKey{st.Blob(0), st.Blob(1)};
    return absl::OkStatus();
  }));
  return key;
}

absl::Status SqliteDeviceRegistry::InsertPushToken(absl::string_view token,
                                                   const PushRoute& route) {
  return store_->Write([&](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
    // OR IGNORE: no row changed means the token exists already.
    ASSIGN_OR_RETURN(
        SqliteStatement st,
        SqliteStatement::Prepare(db,
                                 "INSERT OR IGNORE INTO push_tokens (token, device_id,"
                                 " expires_at) VALUES (?1, ?2, ?3);"));
    st.BindBlob(1, token).BindBlob(2, route.device_id).BindTime(3, route.expires_at);
    RETURN_IF_ERROR(st.Run());
    if (st.Changes() == 0) {
      return MakeError(absl::StatusCode::kAlreadyExists, "push_token_collision",
                       "push token already exists");
    }
    return SqliteCommit::kCommit;
  });
}

absl::StatusOr<PushRoute> SqliteDeviceRegistry::GetPushToken(absl::string_view token,
                                                             absl::Time now) {
  PushRoute route;
  RETURN_IF_ERROR(store_->Read([&](SqliteDb& db) -> absl::Status {
    ASSIGN_OR_RETURN(
        SqliteStatement st,
        SqliteStatement::Prepare(
            db, "SELECT device_id, expires_at FROM push_tokens WHERE token = ?1;"));
    st.BindBlob(1, token);
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) {
      route = PushRoute{st.Blob(0), st.Time(1)};
      if (route.expires_at > now) return absl::OkStatus();
    }
    return MakeError(absl::StatusCode::kNotFound, "unknown_push_token",
                     "unknown or expired push token");
  }));
  return route;
}

absl::StatusOr<int64_t> SqliteDeviceRegistry::SweepExpiredPushTokens(absl::Time now,
                                                                     int64_t limit) {
  int64_t removed = 0;
  RETURN_IF_ERROR(store_->Write([&](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
    ASSIGN_OR_RETURN(
        SqliteStatement st,
        SqliteStatement::Prepare(
            db,
            "DELETE FROM push_tokens WHERE token IN (SELECT token FROM"
            " push_tokens WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2);"));
    st.BindTime(1, now).BindInt(2, limit);
    RETURN_IF_ERROR(st.Run());
    removed = st.Changes();
    return SqliteCommit::kCommit;
  }));
  return removed;
}

absl::StatusOr<StoredNotification> SqliteDeviceRegistry::AppendNotification(
    absl::string_view device_id, const StoredNotification& notification, int keep) {
  if (keep < 1) return InvalidField("keep", "must be at least 1");
  StoredNotification n = notification;
  // Sequence bump, insert and trim commit together or not at all.
  RETURN_IF_ERROR(store_->Write([&](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
    ASSIGN_OR_RETURN(
        SqliteStatement bump,
        SqliteStatement::Prepare(db,
                                 "UPDATE devices SET last_sequence = last_sequence + 1"
                                 " WHERE device_id = ?1 RETURNING last_sequence;"));
    bump.BindBlob(1, device_id);
    ASSIGN_OR_RETURN(bool row, bump.Step());
    if (!row) return UnknownDevice();
    n.sequence = static_cast<uint64_t>(bump.Int(0));
    RETURN_IF_ERROR(bump.Run());

    ASSIGN_OR_RETURN(
        SqliteStatement insert,
        SqliteStatement::Prepare(
            db,
            "INSERT INTO notifications (device_id, sequence, mailbox_id,"
            " token_data, received_at, delivered) VALUES (?1,?2,?3,?4,?5,?6);"));
    insert.BindBlob(1, device_id)
        .BindInt(2, static_cast<int64_t>(n.sequence))
        .BindBlob(3, n.mailbox_id)
        .BindBlob(4, n.token_data)
        .BindTime(5, n.received_at)
        .BindInt(6, n.delivered ? 1 : 0);
    RETURN_IF_ERROR(insert.Run());

    ASSIGN_OR_RETURN(
        SqliteStatement trim,
        SqliteStatement::Prepare(
            db, "DELETE FROM notifications WHERE device_id = ?1 AND sequence <= ?2;"));
    trim.BindBlob(1, device_id).BindInt(2, static_cast<int64_t>(n.sequence) - keep);
    RETURN_IF_ERROR(trim.Run());
    return SqliteCommit::kCommit;
  }));
  return n;
}

absl::StatusOr<std::vector<StoredNotification>> SqliteDeviceRegistry::ReadNotifications(
    absl::string_view device_id, uint64_t after_sequence, bool undelivered_only) {
  std::vector<StoredNotification> out;
  RETURN_IF_ERROR(store_->Read([&](SqliteDb& db) -> absl::Status {
    ASSIGN_OR_RETURN(
        SqliteStatement st,
        SqliteStatement::Prepare(db,
                                 "SELECT sequence, mailbox_id, token_data, received_at, delivered"
                                 " FROM notifications WHERE device_id = ?1 AND sequence > ?2"
                                 " AND (?3 = 0 OR delivered = 0) ORDER BY sequence;"));
    st.BindBlob(1, device_id)
        .BindInt(2, static_cast<int64_t>(after_sequence))
        .BindInt(3, undelivered_only ? 1 : 0);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      StoredNotification n;
      n.sequence = static_cast<uint64_t>(st.Int(0));
      n.mailbox_id = st.Blob(1);
      n.token_data = st.Blob(2);
      n.received_at = st.Time(3);
      n.delivered = st.Int(4) != 0;
      out.push_back(std::move(n));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::Status SqliteDeviceRegistry::MarkDelivered(absl::string_view device_id, uint64_t up_to) {
  return store_->Write([&](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
    ASSIGN_OR_RETURN(
        SqliteStatement st,
        SqliteStatement::Prepare(db,
                                 "UPDATE notifications SET delivered = 1 WHERE device_id = ?1 AND"
                                 " sequence <= ?2 AND delivered = 0;"));
    st.BindBlob(1, device_id).BindInt(2, static_cast<int64_t>(up_to));
    RETURN_IF_ERROR(st.Run());
    return SqliteCommit::kCommit;
  });
}

absl::StatusOr<uint64_t> SqliteDeviceRegistry::LastSequence(absl::string_view device_id) {
  uint64_t last = 0;
  RETURN_IF_ERROR(store_->Read([&](SqliteDb& db) -> absl::Status {
    ASSIGN_OR_RETURN(
        SqliteStatement st,
        SqliteStatement::Prepare(db, "SELECT last_sequence FROM devices WHERE device_id = ?1;"));
    st.BindBlob(1, device_id);
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return UnknownDevice();
    last = static_cast<uint64_t>(st.Int(0));
    return absl::OkStatus();
  }));
  return last;
}

}  // namespace sct::oem
