#include "credential_authority/sqlite_ledger.h"

#include <deque>
#include <limits>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"

namespace sct::ca {
namespace {
using ::credential_authority::v1::AccessPointRegistration;
using ::credential_authority::v1::RevocationEntry;
using ::credential_authority::v1::SymmetricKeyGrant;

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS meta(
  key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES ('revocation_version', 0);
INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', 1);
CREATE TABLE IF NOT EXISTS oems(
  oem_id TEXT PRIMARY KEY, root_der BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS access_points(
  access_point_id TEXT PRIMARY KEY, registration BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS credentials(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  credential_id TEXT NOT NULL UNIQUE,
  access_point_id TEXT NOT NULL,
  parent_share_id TEXT NOT NULL,
  not_after_us INTEGER NOT NULL,
  revoked_at_us INTEGER,
  credential BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS credentials_by_parent ON credentials(parent_share_id);
CREATE TABLE IF NOT EXISTS shares(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  share_id TEXT NOT NULL UNIQUE,
  parent_credential_id TEXT NOT NULL,
  access_point_id TEXT NOT NULL,
  state INTEGER NOT NULL,
  redemptions INTEGER NOT NULL DEFAULT 0,
  max_redemptions INTEGER NOT NULL,
  failed_pin_attempts INTEGER NOT NULL DEFAULT 0,
  token_expires_at_us INTEGER NOT NULL,
  receiver_oem_id TEXT NOT NULL DEFAULT '',
  redeemed_at_us INTEGER,
  revoked_at_us INTEGER,
  pin_salt BLOB,
  pin_hash BLOB,
  pin_iterations INTEGER NOT NULL DEFAULT 0,
  credential_kind INTEGER NOT NULL,
  resharing_allowed INTEGER NOT NULL,
  endorsement_required INTEGER NOT NULL,
  record BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS shares_by_parent ON shares(parent_credential_id);
CREATE INDEX IF NOT EXISTS shares_by_access_point ON shares(access_point_id);
CREATE TABLE IF NOT EXISTS revocations(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  version INTEGER NOT NULL,
  credential_id TEXT NOT NULL,
  share_id TEXT NOT NULL,
  access_point_id TEXT NOT NULL,
  revoked_at_us INTEGER NOT NULL,
  relevant_until_us INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS revocations_by_version ON revocations(version);
CREATE TABLE IF NOT EXISTS key_grants(
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  access_point_id TEXT NOT NULL,
  grant_proto BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS key_grants_by_ap ON key_grants(access_point_id);
CREATE TABLE IF NOT EXISTS requests(
  request_id TEXT PRIMARY KEY,
  method TEXT NOT NULL,
  fingerprint BLOB NOT NULL,
  response BLOB NOT NULL);
)sql";

constexpr char kShareColumns[] =
    "share_id, state, redemptions, failed_pin_attempts, token_expires_at_us, "
    "receiver_oem_id, redeemed_at_us, revoked_at_us, pin_salt, pin_hash, "
    "pin_iterations, credential_kind, resharing_allowed, endorsement_required, "
    "record";

// Builds a ShareRow from a row selected with kShareColumns.
absl::StatusOr<ShareRow> ReadShare(const SqliteStatement& s, absl::Time now) {
  ShareRow row;
  if (!row.record.ParseFromString(s.Blob(14))) {
    return absl::InternalError("corrupt share record");
  }
  common::v1::ShareRecord& r = row.record;
  auto state = static_cast<common::v1::ShareState>(s.Int(1));
  r.set_redemptions(static_cast<uint32_t>(s.Int(2)));
  r.set_failed_pin_attempts(static_cast<uint32_t>(s.Int(3)));
  if (state == common::v1::PENDING && s.Time(4) < now) state = common::v1::EXPIRED;
  r.set_state(state);
  r.set_receiver_oem_id(s.Text(5));
  if (!s.IsNull(6)) *r.mutable_redeemed_at() = ToProtoTimestamp(s.Time(6));
  if (!s.IsNull(7)) *r.mutable_revoked_at() = ToProtoTimestamp(s.Time(7));
  row.pin_salt = s.Blob(8);
  row.pin_hash = s.Blob(9);
  row.pin_iterations = static_cast<uint32_t>(s.Int(10));
  row.credential_kind = static_cast<common::v1::CredentialKind>(s.Int(11));
  row.resharing_allowed = s.Int(12) != 0;
  row.endorsement_required = s.Int(13) != 0;
  return row;
}

absl::StatusOr<SqliteStatement> Prepare(const SqliteDb& db, absl::string_view sql) {
  return SqliteStatement::Prepare(db, sql);
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteLedger>> SqliteLedger::Open(const std::string& path,
                                                                 SqliteStoreOptions options) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> store, SqliteStore::Open(path, std::move(options)));
  RETURN_IF_ERROR(store->Write([](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
    RETURN_IF_ERROR(db.Exec(kSchema));
    return SqliteCommit::kCommit;
  }));
  return std::unique_ptr<SqliteLedger>(new SqliteLedger(std::move(store)));
}

absl::StatusOr<bool> SqliteLedger::PutOem(const std::string& oem_id, const std::string& root_der) {
  bool changed = false;
  RETURN_IF_ERROR(store_->Write([&](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
    ASSIGN_OR_RETURN(SqliteStatement get, Prepare(db, "SELECT root_der FROM oems WHERE oem_id = ?"));
    get.BindText(1, oem_id);
    ASSIGN_OR_RETURN(bool found, get.Step());
    if (found && get.Blob(0) == root_der) return SqliteCommit::kRollback;
    ASSIGN_OR_RETURN(SqliteStatement put,
                     Prepare(db, "INSERT OR REPLACE INTO oems(oem_id, root_der) VALUES (?, ?)"));
    put.BindText(1, oem_id).BindBlob(2, root_der);
    RETURN_IF_ERROR(put.Run());
    changed = true;
    return SqliteCommit::kCommit;
  }));
  return changed;
}

absl::StatusOr<std::string> SqliteLedger::GetOemRoot(const std::string& oem_id) {
  std::string root;
  RETURN_IF_ERROR(store_->Read([&](SqliteDb& db) -> absl::Status {
    ASSIGN_OR_RETURN(SqliteStatement get, Prepare(db, "SELECT root_der FROM oems WHERE oem_id = ?"));
    get.BindText(1, oem_id);
    ASSIGN_OR_RETURN(bool found, get.Step());
    if (!found) {
      return MakeError(absl::StatusCode::kNotFound, "oem_not_found",
                       absl::StrCat("unknown OEM '", oem_id, "'"));
    }
    root = get.Blob(0);
    return absl::OkStatus();
  }));
  return root;
}

absl::StatusOr<bool> SqliteLedger::PutAccessPoint(const AccessPointRegistration& ap) {
  std::string blob;
  if (!ap.SerializeToString(&blob)) return absl::InternalError("serialize ap");
  bool changed = false;
  RETURN_IF_ERROR(store_->Write([&](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
    ASSIGN_OR_RETURN(
        SqliteStatement get,
        Prepare(db, "SELECT registration FROM access_points WHERE access_point_id = ?"));
    get.BindText(1, ap.access_point_id());
    ASSIGN_OR_RETURN(bool found, get.Step());
    if (found && get.Blob(0) == blob) return SqliteCommit::kRollback;
    ASSIGN_OR_RETURN(SqliteStatement put, Prepare(db, "INSERT OR REPLACE INTO access_points("
                                                      "access_point_id, registration) VALUES (?, ?)"));
    put.BindText(1, ap.access_point_id()).BindBlob(2, blob);
    RETURN_IF_ERROR(put.Run());
    changed = true;
    return SqliteCommit::kCommit;
  }));
  return changed;
}

absl::StatusOr<AccessPointRegistration> SqliteLedger::GetAccessPoint(
    const std::string& access_point_id) {
  AccessPointRegistration ap;
  RETURN_IF_ERROR(store_->Read([&](SqliteDb& db) -> absl::Status {
    ASSIGN_OR_RETURN(
        SqliteStatement get,
        Prepare(db, "SELECT registration FROM access_points WHERE access_point_id = ?"));
    get.BindText(1, access_point_id);
    ASSIGN_OR_RETURN(bool found, get.Step());
    if (!found) {
      return MakeError(absl::StatusCode::kNotFound, "access_point_not_found",
                       absl::StrCat("unknown access point '", access_point_id, "'"));
    }
    if (!ap.ParseFromString(get.Blob(0))) {
      return absl::InternalError("corrupt access point record");
    }
    return absl::OkStatus();
  }));
  return ap;
}

absl::StatusOr<WriteOutcome> SqliteLedger::InsertRequest(SqliteDb& db,
                                                         const RequestRecord& request) {
  if (request.request_id.empty()) return WriteOutcome{};
  ASSIGN_OR_RETURN(SqliteStatement put,
                   Prepare(db, "INSERT OR IGNORE INTO requests(request_id, method, fingerprint, "
                               "response) VALUES (?, ?, ?, ?)"));
  put.BindText(1, request.request_id)
      .BindText(2, request.method)
      .BindBlob(3, request.fingerprint)
      .BindBlob(4, request.response);
  RETURN_IF_ERROR(put.Run());
  if (put.Changes() != 0) return WriteOutcome{};
  // Inside the caller's IMMEDIATE transaction no other writer can remove the
  // record between the INSERT that was ignored and this read.
  ASSIGN_OR_RETURN(std::optional<RequestRecord> stored, GetRequestIn(db, request.request_id));
  if (!stored.has_value()) {
    return absl::InternalError("request record vanished inside a transaction");
  }
  return WriteOutcome{std::move(stored)};
}

absl::Status SqliteLedger::InsertCredentialIn(SqliteDb& db,
                                              const common::v1::Credential& credential,
                                              const std::optional<SymmetricKeyGrant>& grant) {
  std::string blob;
  if (!credential.SerializeToString(&blob)) {
    return absl::InternalError("serialize credential");
  }
  ASSIGN_OR_RETURN(SqliteStatement put,
                   Prepare(db, "INSERT INTO credentials(credential_id, access_point_id, "
                               "parent_share_id, not_after_us, credential) VALUES (?, ?, ?, ?, ?)"));
  put.BindText(1, credential.credential_id())
      .BindText(2, credential.access_point_id())
      .BindText(3, credential.parent_share_id())
      .BindTime(4, ToAbslTime(credential.validity().not_after()))
      .BindBlob(5, blob);
  RETURN_IF_ERROR(put.Run());
  if (grant.has_value()) {
    std::string g;
    if (!grant->SerializeToString(&g)) {
      return absl::InternalError("serialize grant");
    }
    ASSIGN_OR_RETURN(SqliteStatement pg, Prepare(db, "INSERT INTO key_grants(access_point_id, "
                                                     "grant_proto) VALUES (?, ?)"));
    pg.BindText(1, credential.access_point_id()).BindBlob(2, g);
    RETURN_IF_ERROR(pg.Run());
  }
  return absl::OkStatus();
}

absl::StatusOr<WriteOutcome> SqliteLedger::InsertCredential(
    const common::v1::Credential& credential, const std::optional<SymmetricKeyGrant>& grant,
    const RequestRecord& request) {
  WriteOutcome outcome;
  RETURN_IF_ERROR(store_->Write([&](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
    ASSIGN_OR_RETURN(outcome, InsertRequest(db, request));
    if (!outcome.applied()) return SqliteCommit::kRollback;
    RETURN_IF_ERROR(InsertCredentialIn(db, credential, grant));
    return SqliteCommit::kCommit;
  }));
  return outcome;
}

absl::StatusOr<CredentialRow> SqliteLedger::GetCredential(const std::string& credential_id) {
  CredentialRow row;
  RETURN_IF_ERROR(store_->Read([&](SqliteDb& db) -> absl::Status {
    ASSIGN_OR_RETURN(
        SqliteStatement get,
        Prepare(db, "SELECT credential, revoked_at_us FROM credentials WHERE credential_id = ?"));
    get.BindText(1, credential_id);
    ASSIGN_OR_RETURN(bool found, get.Step());
    if (!found) {
      return MakeError(absl::StatusCode::kNotFound, "credential_not_found",
                       absl::StrCat("unknown credential '", credential_id, "'"));
    }
    if (!row.credential.ParseFromString(get.Blob(0))) {
      return absl::InternalError("corrupt credential record");
    }
    if (!get.IsNull(1)) row.revoked_at = get.Time(1);
    return absl::OkStatus();
  }));
  return row;
}

absl::StatusOr<WriteOutcome> SqliteLedger::InsertShare(const ShareRow& share,
                                                       const RequestRecord& request) {
  std::string blob;
  if (!share.record.SerializeToString(&blob)) {
    return absl::InternalError("serialize share");
  }
  WriteOutcome outcome;
  RETURN_IF_ERROR(store_->Write([&](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
    ASSIGN_OR_RETURN(outcome, InsertRequest(db, request));
    if (!outcome.applied()) return SqliteCommit::kRollback;
    ASSIGN_OR_RETURN(SqliteStatement put,
                     Prepare(db, "INSERT INTO shares(share_id, parent_credential_id, "
                                 "access_point_id, state, max_redemptions, token_expires_at_us, "
                                 "pin_salt, pin_hash, pin_iterations, credential_kind, "
                                 "resharing_allowed, endorsement_required, record) VALUES "
                                 "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    const common::v1::ShareRecord& r = share.record;
    put.BindText(1, r.share_id())
        .BindText(2, r.parent_credential_id())
        .BindText(3, r.access_point_id())
        .BindInt(4, common::v1::PENDING)
        .BindInt(5, r.max_redemptions())
        .BindTime(6, ToAbslTime(r.token_expires_at()))
        .BindBlob(7, share.pin_salt)
        .BindBlob(8, share.pin_hash)
        .BindInt(9, share.pin_iterations)
        .BindInt(10, share.credential_kind)
        .BindInt(11, share.resharing_allowed)
        .BindInt(12, share.endorsement_required)
        .BindBlob(13, blob);
    RETURN_IF_ERROR(put.Run());
    return SqliteCommit::kCommit;
  }));
  return outcome;
}

absl::StatusOr<ShareRow> SqliteLedger::GetShareIn(SqliteDb& db, const std::string& share_id,
                                                  absl::Time now) {
  ASSIGN_OR_RETURN(SqliteStatement get, Prepare(db, absl::StrCat("SELECT ", kShareColumns,
                                                                 " FROM shares WHERE share_id = ?")));
  get.BindText(1, share_id);
  ASSIGN_OR_RETURN(bool found, get.Step());
  if (!found) {
    return MakeError(absl::StatusCode::kNotFound, "share_not_found", "unknown share");
  }
  ASSIGN_OR_RETURN(ShareRow row, ReadShare(get, now));
  ASSIGN_OR_RETURN(
      SqliteStatement creds,
      Prepare(db, "SELECT credential_id FROM credentials WHERE parent_share_id = ? ORDER BY seq"));
  creds.BindText(1, share_id);
  while (true) {
    ASSIGN_OR_RETURN(bool more, creds.Step());
    if (!more) break;
    row.record.add_issued_credential_ids(creds.Text(0));
  }
  return row;
}

absl::StatusOr<ShareRow> SqliteLedger::GetShare(const std::string& share_id, absl::Time now) {
  ShareRow row;
  RETURN_IF_ERROR(store_->Read([&](SqliteDb& db) -> absl::Status {
    // One snapshot for the share and the credentials issued from it.
    RETURN_IF_ERROR(db.Exec("BEGIN"));
    absl::StatusOr<ShareRow> got = GetShareIn(db, share_id, now);
    db.Exec("COMMIT").IgnoreError();
    if (!got.ok()) return got.status();
    row = *std::move(got);
    return absl::OkStatus();
  }));
  return row;
}

absl::Status SqliteLedger::NotPendingError(SqliteDb& db, const std::string& share_id,
                                           absl::Time now) {
  ASSIGN_OR_RETURN(ShareRow row, GetShareIn(db, share_id, now));
  switch (row.record.state()) {
    case common::v1::REVOKED:
      return MakeError(absl::StatusCode::kFailedPrecondition, "share_revoked", "share was revoked");
    case common::v1::LOCKED:
      return MakeError(absl::StatusCode::kFailedPrecondition, "share_locked",
                       "share locked after too many wrong PINs");
    case common::v1::EXPIRED:
      return MakeError(absl::StatusCode::kFailedPrecondition, "share_expired",
                       "share token expired");
    default:
      return MakeError(absl::StatusCode::kFailedPrecondition, "share_already_redeemed",
                       "share already redeemed");
  }
}

absl::Status SqliteLedger::ReservePinAttempt(const std::string& share_id, uint32_t limit,
                                             absl::Time now) {
  return store_->Write([&](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
    ASSIGN_OR_RETURN(SqliteStatement up,
                     Prepare(db, "UPDATE shares SET failed_pin_attempts = failed_pin_attempts + 1 "
                                 "WHERE share_id = ? AND state = ? AND failed_pin_attempts < ?"));
    up.BindText(1, share_id).BindInt(2, common::v1::PENDING).BindInt(3, limit);
    RETURN_IF_ERROR(up.Run());
    if (up.Changes() != 1) {
      ASSIGN_OR_RETURN(ShareRow row, GetShareIn(db, share_id, now));
      if (row.record.state() == common::v1::PENDING) {
        return MakeError(absl::StatusCode::kFailedPrecondition, "share_locked",
                         "no PIN attempts left");
      }
      return NotPendingError(db, share_id, now);
    }
    return SqliteCommit::kCommit;
  });
}

absl::StatusOr<uint32_t> SqliteLedger::RecordWrongPin(const std::string& share_id, uint32_t limit) {
  uint32_t attempts = 0;
  RETURN_IF_ERROR(store_->Write([&](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
    ASSIGN_OR_RETURN(SqliteStatement up,
                     Prepare(db, "UPDATE shares SET state = ? WHERE share_id = ? AND state = ? AND "
                                 "failed_pin_attempts >= ?"));
    up.BindInt(1, common::v1::LOCKED)
        .BindText(2, share_id)
        .BindInt(3, common::v1::PENDING)
        .BindInt(4, limit);
    RETURN_IF_ERROR(up.Run());
    ASSIGN_OR_RETURN(SqliteStatement get,
                     Prepare(db, "SELECT failed_pin_attempts FROM shares WHERE share_id = ?"));
    get.BindText(1, share_id);
    ASSIGN_OR_RETURN(bool found, get.Step());
    if (!found) {
      return MakeError(absl::StatusCode::kNotFound, "share_not_found", "unknown share");
    }
    attempts = static_cast<uint32_t>(get.Int(0));
    return SqliteCommit::kCommit;
  }));
  return attempts;
}

absl::Status SqliteLedger::ReleasePinAttempt(const std::string& share_id) {
  return store_->Write([&](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
    ASSIGN_OR_RETURN(SqliteStatement up,
                     Prepare(db, "UPDATE shares SET failed_pin_attempts = failed_pin_attempts - 1 "
                                 "WHERE share_id = ? AND failed_pin_attempts > 0"));
    up.BindText(1, share_id);
    RETURN_IF_ERROR(up.Run());
    return SqliteCommit::kCommit;
  });
}

absl::StatusOr<WriteOutcome> SqliteLedger::CommitRedemption(
    const std::string& share_id, const std::string& receiver_oem_id, absl::Time now,
    const common::v1::Credential& issued, const std::optional<SymmetricKeyGrant>& grant,
    const RequestRecord& request, bool release_pin_attempt) {
  WriteOutcome outcome;
  RETURN_IF_ERROR(store_->Write([&](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
    // The single point of truth for "exactly once": only a PENDING share with
    // a free redemption slot and a live token is counted.
    ASSIGN_OR_RETURN(SqliteStatement up,
                     Prepare(db, "UPDATE shares SET redemptions = redemptions + 1, "
                                 "state = CASE WHEN redemptions + 1 >= max_redemptions THEN ? ELSE "
                                 "state END, receiver_oem_id = ?, redeemed_at_us = ?, "
                                 "failed_pin_attempts = MAX(failed_pin_attempts - ?, 0) "
                                 "WHERE share_id = ? AND state = ? AND redemptions < "
                                 "max_redemptions AND token_expires_at_us >= ?"));
    up.BindInt(1, common::v1::REDEEMED)
        .BindText(2, receiver_oem_id)
        .BindTime(3, now)
        .BindInt(4, release_pin_attempt ? 1 : 0)
        .BindText(5, share_id)
        .BindInt(6, common::v1::PENDING)
        .BindTime(7, now);
    RETURN_IF_ERROR(up.Run());
    if (up.Changes() != 1) return NotPendingError(db, share_id, now);
    ASSIGN_OR_RETURN(outcome, InsertRequest(db, request));
    // Rolled back: the redemption is not counted.
    if (!outcome.applied()) return SqliteCommit::kRollback;
    RETURN_IF_ERROR(InsertCredentialIn(db, issued, grant));
    return SqliteCommit::kCommit;
  }));
  return outcome;
}

namespace {

// One revocation-list entry to write.
struct PendingEntry {
  std::string credential_id, share_id, access_point_id;
  absl::Time relevant_until;
};

// The state of one cascading revocation: what is left to visit, what was
// visited, what changed. The steps below run with the ledger's lock held,
// inside the revocation's transaction.
struct RevocationWalk {
  std::deque<std::pair<bool, std::string>> queue;  // (is_share, id)
  std::set<std::string> seen;
  RevocationResult result;
  std::vector<PendingEntry> entries;
};

// Collects the values of column 0 of every row `statement` yields.
absl::Status CollectColumn(SqliteStatement& statement, bool is_share,
                           std::deque<std::pair<bool, std::string>>* queue) {
  while (true) {
    ASSIGN_OR_RETURN(bool more, statement.Step());
    if (!more) return absl::OkStatus();
    queue->emplace_back(is_share, statement.Text(0));
  }
}

// Revokes one share (if not already revoked) and queues the credentials
// issued from it. A newly revoked share from which no credential was issued
// gets its own list entry (a credential's entry covers its share).
absl::Status RevokeShareStep(const SqliteDb& db, const std::string& id, absl::Time now,
                             RevocationWalk* walk) {
  ASSIGN_OR_RETURN(SqliteStatement up,
                   SqliteStatement::Prepare(db,
                                            "UPDATE shares SET state = ?, revoked_at_us = ? "
                                            "WHERE share_id = ? AND state != ?"));
  up.BindInt(1, common::v1::REVOKED)
      .BindTime(2, now)
      .BindText(3, id)
      .BindInt(4, common::v1::REVOKED);
  RETURN_IF_ERROR(up.Run());
  const bool newly = up.Changes() == 1;
  ASSIGN_OR_RETURN(SqliteStatement creds,
                   SqliteStatement::Prepare(
                       db, "SELECT credential_id FROM credentials WHERE parent_share_id = ?"));
  creds.BindText(1, id);
  const size_t queued_before = walk->queue.size();
  RETURN_IF_ERROR(CollectColumn(creds, /*is_share=*/false, &walk->queue));
  const bool any_credential = walk->queue.size() != queued_before;
  if (!newly) return absl::OkStatus();
  walk->result.share_ids.push_back(id);
  if (any_credential) return absl::OkStatus();
  ASSIGN_OR_RETURN(SqliteStatement info,
                   SqliteStatement::Prepare(
                       db, "SELECT access_point_id, record FROM shares WHERE share_id = ?"));
  info.BindText(1, id);
  ASSIGN_OR_RETURN(bool found, info.Step());
  if (found) {
    common::v1::ShareRecord rec;
    rec.ParseFromString(info.Blob(1));
    walk->entries.push_back({"", id, info.Text(0), ToAbslTime(rec.validity().not_after())});
  }
  return absl::OkStatus();
}

// Revokes one credential (if not already revoked), adds its list entry, and
// queues the shares made from it.
absl::Status RevokeCredentialStep(const SqliteDb& db, const std::string& id, absl::Time now,
                                  RevocationWalk* walk) {
  ASSIGN_OR_RETURN(SqliteStatement up,
                   SqliteStatement::Prepare(db,
                                            "UPDATE credentials SET revoked_at_us = ? WHERE "
                                            "credential_id = ? AND revoked_at_us IS NULL"));
  up.BindTime(1, now).BindText(2, id);
  RETURN_IF_ERROR(up.Run());
  if (up.Changes() == 1) {
    walk->result.credential_ids.push_back(id);
    ASSIGN_OR_RETURN(SqliteStatement info,
                     SqliteStatement::Prepare(db,
                                              "SELECT parent_share_id, access_point_id, "
                                              "not_after_us FROM credentials WHERE "
                                              "credential_id = ?"));
    info.BindText(1, id);
    ASSIGN_OR_RETURN(bool found, info.Step());
    if (found) walk->entries.push_back({id, info.Text(0), info.Text(1), info.Time(2)});
  }
  ASSIGN_OR_RETURN(
      SqliteStatement shares,
      SqliteStatement::Prepare(db, "SELECT share_id FROM shares WHERE parent_credential_id = ?"));
  shares.BindText(1, id);
  return CollectColumn(shares, /*is_share=*/true, &walk->queue);
}

// Writes the walk's entries under list version `version` and makes it the
// current version.
absl::Status AppendRevocations(const SqliteDb& db, const std::vector<PendingEntry>& entries,
                               uint64_t version, absl::Time now) {
  for (const PendingEntry& e : entries) {
    ASSIGN_OR_RETURN(SqliteStatement put,
                     SqliteStatement::Prepare(db,
                                              "INSERT INTO revocations(version, credential_id, "
                                              "share_id, access_point_id, revoked_at_us, "
                                              "relevant_until_us) VALUES (?, ?, ?, ?, ?, ?)"));
    put.BindInt(1, static_cast<int64_t>(version))
        .BindText(2, e.credential_id)
        .BindText(3, e.share_id)
        .BindText(4, e.access_point_id)
        .BindTime(5, now)
        .BindTime(6, e.relevant_until);
    RETURN_IF_ERROR(put.Run());
  }
  ASSIGN_OR_RETURN(
      SqliteStatement bump,
      SqliteStatement::Prepare(db, "UPDATE meta SET value = ? WHERE key = 'revocation_version'"));
  bump.BindInt(1, static_cast<int64_t>(version));
  return bump.Run();
}

}  // namespace

absl::StatusOr<uint64_t> SqliteLedger::RevocationVersionIn(SqliteDb& db) {
  ASSIGN_OR_RETURN(SqliteStatement ver,
                   Prepare(db, "SELECT value FROM meta WHERE key = 'revocation_version'"));
  ASSIGN_OR_RETURN(bool found, ver.Step());
  return found ? static_cast<uint64_t>(ver.Int(0)) : 0;
}

absl::StatusOr<RevocationResult> SqliteLedger::RevokeIn(SqliteDb& db,
                                                       std::vector<std::string> share_roots,
                                                       std::vector<std::string> credential_roots,
                                                       absl::Time now) {
  ASSIGN_OR_RETURN(const uint64_t version, RevocationVersionIn(db));
  RevocationWalk walk;
  for (auto& s : share_roots) walk.queue.emplace_back(true, std::move(s));
  for (auto& c : credential_roots) walk.queue.emplace_back(false, std::move(c));
  while (!walk.queue.empty()) {
    auto [is_share, id] = std::move(walk.queue.front());
    walk.queue.pop_front();
    if (!walk.seen.insert(absl::StrCat(is_share ? "s:" : "c:", id)).second) continue;
    if (is_share) {
      RETURN_IF_ERROR(RevokeShareStep(db, id, now, &walk));
    } else {
      RETURN_IF_ERROR(RevokeCredentialStep(db, id, now, &walk));
    }
  }
  if (walk.entries.empty() && walk.result.share_ids.empty()) {
    walk.result.version = version;
    return std::move(walk.result);
  }
  RETURN_IF_ERROR(AppendRevocations(db, walk.entries, version + 1, now));
  walk.result.version = version + 1;
  return std::move(walk.result);
}

absl::StatusOr<RevocationResult> SqliteLedger::RevokeShare(const std::string& share_id,
                                                           absl::Time now) {
  RevocationResult result;
  RETURN_IF_ERROR(store_->Write([&](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
    RETURN_IF_ERROR(GetShareIn(db, share_id, now).status());
    ASSIGN_OR_RETURN(result, RevokeIn(db, {share_id}, {}, now));
    return SqliteCommit::kCommit;
  }));
  return result;
}

absl::StatusOr<RevocationResult> SqliteLedger::RevokeCredential(const std::string& credential_id,
                                                                absl::Time now) {
  RevocationResult result;
  RETURN_IF_ERROR(store_->Write([&](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
    ASSIGN_OR_RETURN(SqliteStatement get,
                     Prepare(db, "SELECT 1 FROM credentials WHERE credential_id = ?"));
    get.BindText(1, credential_id);
    ASSIGN_OR_RETURN(bool found, get.Step());
    if (!found) {
      return MakeError(absl::StatusCode::kNotFound, "credential_not_found",
                       absl::StrCat("unknown credential '", credential_id, "'"));
    }
    ASSIGN_OR_RETURN(result, RevokeIn(db, {}, {credential_id}, now));
    return SqliteCommit::kCommit;
  }));
  return result;
}

absl::StatusOr<uint64_t> SqliteLedger::RevocationVersion() {
  uint64_t version = 0;
  RETURN_IF_ERROR(store_->Read([&](SqliteDb& db) -> absl::Status {
    ASSIGN_OR_RETURN(version, RevocationVersionIn(db));
    return absl::OkStatus();
  }));
  return version;
}

absl::StatusOr<uint64_t> SqliteLedger::CountPendingSharesUnderOtherPinKey(
    const std::string& pin_key_id, absl::Time now) {
  uint64_t count = 0;  // a keyed verifier: key id || HMAC (pin.h); BLOB substr counts bytes
  RETURN_IF_ERROR(store_->Read([&](SqliteDb& db) -> absl::Status {
    ASSIGN_OR_RETURN(SqliteStatement q,
                     Prepare(db, "SELECT COUNT(*) FROM shares WHERE state = ?1 AND "
                                 "token_expires_at_us >= ?2 AND pin_iterations = 0 AND "
                                 "length(pin_hash) > ?3 AND substr(pin_hash, 1, ?3) != ?4"));
    q.BindInt(1, common::v1::PENDING).BindTime(2, now).BindInt(3, pin_key_id.size());
    q.BindBlob(4, pin_key_id);
    ASSIGN_OR_RETURN(bool row, q.Step());
    count = row ? static_cast<uint64_t>(q.Int(0)) : 0;
    return absl::OkStatus();
  }));
  return count;
}

absl::StatusOr<std::vector<RevocationEntry>> SqliteLedger::RevocationsAfter(
    uint64_t after_version, absl::Time relevant_at) {
  std::vector<RevocationEntry> out;
  RETURN_IF_ERROR(store_->Read([&](SqliteDb& db) -> absl::Status {
    ASSIGN_OR_RETURN(SqliteStatement list,
                     Prepare(db, kRevocationsAfterSql));
    list.BindInt(1, static_cast<int64_t>(after_version))
        .BindInt(2, relevant_at == absl::InfinitePast() ? std::numeric_limits<int64_t>::min()
                                                        : ToSqliteTime(relevant_at));
    while (true) {
      ASSIGN_OR_RETURN(bool more, list.Step());
      if (!more) break;
      RevocationEntry e;
      e.set_credential_id(list.Text(0));
      e.set_share_id(list.Text(1));
      e.set_access_point_id(list.Text(2));
      *e.mutable_revoked_at() = ToProtoTimestamp(list.Time(3));
      e.set_version(static_cast<uint64_t>(list.Int(4)));
      out.push_back(std::move(e));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<SymmetricKeyGrant>> SqliteLedger::GrantsAfter(
    const std::string& access_point_id, uint64_t after_sequence, uint64_t* last_sequence) {
  std::vector<SymmetricKeyGrant> out;
  RETURN_IF_ERROR(store_->Read([&](SqliteDb& db) -> absl::Status {
    RETURN_IF_ERROR(db.Exec("BEGIN"));  // the grants and the last sequence from one snapshot
    absl::Status read = [&]() -> absl::Status {
      ASSIGN_OR_RETURN(SqliteStatement list,
                       Prepare(db, "SELECT sequence, grant_proto FROM key_grants WHERE "
                                   "access_point_id = ? AND sequence > ? ORDER BY sequence"));
      list.BindText(1, access_point_id).BindInt(2, static_cast<int64_t>(after_sequence));
      while (true) {
        ASSIGN_OR_RETURN(bool more, list.Step());
        if (!more) break;
        SymmetricKeyGrant g;
        if (!g.ParseFromString(list.Blob(1))) {
          return absl::InternalError("corrupt key grant");
        }
        g.set_sequence(static_cast<uint64_t>(list.Int(0)));
        out.push_back(std::move(g));
      }
      ASSIGN_OR_RETURN(SqliteStatement last, Prepare(db, "SELECT COALESCE(MAX(sequence), 0) FROM "
                                                         "key_grants WHERE access_point_id = ?"));
      last.BindText(1, access_point_id);
      ASSIGN_OR_RETURN(bool found, last.Step());
      if (last_sequence != nullptr) {
        *last_sequence = found ? static_cast<uint64_t>(last.Int(0)) : 0;
      }
      return absl::OkStatus();
    }();
    db.Exec("COMMIT").IgnoreError();
    return read;
  }));
  return out;
}

absl::StatusOr<std::optional<RequestRecord>> SqliteLedger::GetRequestIn(
    SqliteDb& db, const std::string& request_id) {
  ASSIGN_OR_RETURN(
      SqliteStatement get,
      Prepare(db, "SELECT method, fingerprint, response FROM requests WHERE request_id = ?"));
  get.BindText(1, request_id);
  ASSIGN_OR_RETURN(bool found, get.Step());
  if (!found) return std::optional<RequestRecord>();
  RequestRecord r;
  r.request_id = request_id;
  r.method = get.Text(0);
  r.fingerprint = get.Blob(1);
  r.response = get.Blob(2);
  return std::optional<RequestRecord>(std::move(r));
}

absl::StatusOr<std::optional<RequestRecord>> SqliteLedger::GetRequest(
    const std::string& request_id) {
  std::optional<RequestRecord> record;
  RETURN_IF_ERROR(store_->Read([&](SqliteDb& db) -> absl::Status {
    ASSIGN_OR_RETURN(record, GetRequestIn(db, request_id));
    return absl::OkStatus();
  }));
  return record;
}

}  // namespace sct::ca
