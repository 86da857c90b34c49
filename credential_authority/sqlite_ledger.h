// Ledger on a SQLite file, opened through runtime/sqlite_store.h (WAL journal,
// group commit with the durability of synchronous=FULL, foreign keys on, the
// shared busy timeout, times as Unix microseconds), with one BEGIN IMMEDIATE
// transaction per state change: a method that changes state returns once its
// transaction is committed and the WAL synced; concurrent changes (16 flows
// at once) share one sync. Reads run on a separate connection (several
// statements of one read share one snapshot). Schema in
// docs/credential_authority.md. Protos are stored serialized beside the
// indexed columns the queries need; mutable fields (state, counters, times)
// live only in columns.
//
// Thread-safety: thread-safe. Several processes may open the same file:
// redemption is a conditional UPDATE inside an IMMEDIATE transaction, so it
// stays exactly-once across processes too.
// Errors: see ledger.h; Open returns FAILED_PRECONDITION "store_unavailable"
// (naming the path) when the file cannot be opened and UNAVAILABLE
// "store_unavailable" when the schema cannot be created.
#ifndef SCT_CREDENTIAL_AUTHORITY_SQLITE_LEDGER_H_
#define SCT_CREDENTIAL_AUTHORITY_SQLITE_LEDGER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "credential_authority/ledger.h"
#include "runtime/sqlite.h"
#include "runtime/sqlite_store.h"

namespace sct::ca {

class SqliteLedger : public Ledger {
 public:
  // RevocationsAfter's query. Ordered by version (then seq, the same order:
  // versions grow with seq) so that SQLite seeks revocations_by_version to
  // the first entry after the caller's version: a delta reads only what is
  // new, not every revocation ever made ("ORDER BY seq" alone made it scan
  // the whole table on each delta).
  static constexpr const char* kRevocationsAfterSql =
      "SELECT credential_id, share_id, access_point_id, revoked_at_us, version FROM revocations "
      "WHERE version > ? AND relevant_until_us >= ? ORDER BY version, seq";

  // Opens (creating if needed) the database at `path`. `options` carries the
  // benchmark-only unsafe_no_fsync (--unsafe_no_fsync_for_benchmarks).
  static absl::StatusOr<std::unique_ptr<SqliteLedger>> Open(const std::string& path,
                                                            SqliteStoreOptions options = {});
  ~SqliteLedger() override = default;

  absl::StatusOr<bool> PutOem(const std::string& oem_id, const std::string& root_der) override;
  absl::StatusOr<std::string> GetOemRoot(const std::string& oem_id) override;
  absl::StatusOr<bool> PutAccessPoint(
      const credential_authority::v1::AccessPointRegistration& ap) override;
  absl::StatusOr<credential_authority::v1::AccessPointRegistration> GetAccessPoint(
      const std::string& access_point_id) override;
  absl::StatusOr<WriteOutcome> InsertCredential(
      const common::v1::Credential& credential,
      const std::optional<credential_authority::v1::SymmetricKeyGrant>& grant,
      const RequestRecord& request) override;
  absl::StatusOr<CredentialRow> GetCredential(const std::string& credential_id) override;
  absl::StatusOr<WriteOutcome> InsertShare(const ShareRow& share,
                                           const RequestRecord& request) override;
  absl::StatusOr<ShareRow> GetShare(const std::string& share_id, absl::Time now) override;
  absl::Status ReservePinAttempt(const std::string& share_id, uint32_t limit,
                                 absl::Time now) override;
  absl::StatusOr<uint32_t> RecordWrongPin(const std::string& share_id, uint32_t limit) override;
  absl::Status ReleasePinAttempt(const std::string& share_id) override;
  absl::StatusOr<WriteOutcome> CommitRedemption(
      const std::string& share_id, const std::string& receiver_oem_id, absl::Time now,
      const common::v1::Credential& issued,
      const std::optional<credential_authority::v1::SymmetricKeyGrant>& grant,
      const RequestRecord& request, bool release_pin_attempt) override;
  absl::StatusOr<RevocationResult> RevokeShare(const std::string& share_id,
                                               absl::Time now) override;
  absl::StatusOr<RevocationResult> RevokeCredential(const std::string& credential_id,
                                                    absl::Time now) override;
  absl::StatusOr<std::vector<ShareRow>> ListSharesByParent(const std::string& credential_id,
                                                           absl::Time now) override;
  absl::StatusOr<std::vector<ShareRow>> ListSharesPage(const ShareListing& listing,
                                                       uint64_t offset, uint64_t limit,
                                                       absl::Time now, bool* more) override;
  absl::StatusOr<std::vector<ShareRow>> ListSharesByAccessPoint(const std::string& access_point_id,
                                                                absl::Time now) override;
  absl::StatusOr<uint64_t> RevocationVersion() override;
  absl::StatusOr<uint64_t> CountPendingSharesUnderOtherPinKey(const std::string& pin_key_id,
                                                              absl::Time now) override;
  absl::StatusOr<std::vector<credential_authority::v1::RevocationEntry>> RevocationsAfter(
      uint64_t after_version, absl::Time relevant_at) override;
  absl::StatusOr<std::vector<credential_authority::v1::SymmetricKeyGrant>> GrantsAfter(
      const std::string& access_point_id, uint64_t after_sequence,
      uint64_t* last_sequence) override;
  absl::StatusOr<std::optional<RequestRecord>> GetRequest(const std::string& request_id) override;

 private:
  explicit SqliteLedger(std::unique_ptr<SqliteStore> store) : store_(std::move(store)) {}

  // The helpers below run inside a Write or a Read, on the connection given.
  static absl::StatusOr<std::optional<RequestRecord>> GetRequestIn(SqliteDb& db,
                                                                   const std::string& request_id);
  // Records `request` (nothing when its id is empty). Not applied when the id
  // is already recorded; the caller then rolls its transaction back.
  static absl::StatusOr<WriteOutcome> InsertRequest(SqliteDb& db, const RequestRecord& request);
  static absl::Status InsertCredentialIn(
      SqliteDb& db, const common::v1::Credential& credential,
      const std::optional<credential_authority::v1::SymmetricKeyGrant>& grant);
  // The FAILED_PRECONDITION / NOT_FOUND status explaining why a share is
  // not PENDING (share_already_redeemed when it is, but full).
  static absl::Status NotPendingError(SqliteDb& db, const std::string& share_id, absl::Time now);
  static absl::StatusOr<ShareRow> GetShareIn(SqliteDb& db, const std::string& share_id,
                                             absl::Time now);
  static absl::StatusOr<uint64_t> RevocationVersionIn(SqliteDb& db);
  // Revokes from the given roots inside the open transaction.
  static absl::StatusOr<RevocationResult> RevokeIn(SqliteDb& db,
                                                   std::vector<std::string> share_roots,
                                                   std::vector<std::string> credential_roots,
                                                   absl::Time now);
  absl::StatusOr<std::vector<ShareRow>> ListShares(absl::string_view column,
                                                   const std::string& key, absl::Time now);
  // The shares whose ids `sql` selects (parameter 1 bound to `key`, then
  // `extra` in order), read in one snapshot: ids first, then each row. At
  // most `limit` rows; `*more` (may be null) says whether `sql` gave more.
  absl::StatusOr<std::vector<ShareRow>> SharesSelectedBy(const std::string& sql,
                                                         const std::string& key,
                                                         const std::vector<int64_t>& extra,
                                                         uint64_t limit, absl::Time now,
                                                         bool* more);

  const std::unique_ptr<SqliteStore> store_;
};

}  // namespace sct::ca

#endif  // SCT_CREDENTIAL_AUTHORITY_SQLITE_LEDGER_H_
