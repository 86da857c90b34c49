// Ledger on a SQLite file (sqlite3 C API): WAL journal, synchronous=FULL,
// foreign keys on, one BEGIN IMMEDIATE transaction per state change. Schema in
// docs/credential_authority.md. Protos are stored serialized beside the
// indexed columns the queries need; mutable fields (state, counters, times)
// live only in columns.
//
// Thread-safety: thread-safe; one connection guarded by a mutex. Several
// processes may open the same file: redemption is a conditional UPDATE inside
// an IMMEDIATE transaction, so it stays exactly-once across processes too.
// Errors: see ledger.h; Open returns INTERNAL (with SQLite's message) when the
// file cannot be opened or the schema created.
#ifndef SCT_CREDENTIAL_AUTHORITY_SQLITE_LEDGER_H_
#define SCT_CREDENTIAL_AUTHORITY_SQLITE_LEDGER_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "credential_authority/ledger.h"

struct sqlite3;

namespace sct::ca {

class SqliteLedger : public Ledger {
 public:
  // Opens (creating if needed) the database at `path`.
  static absl::StatusOr<std::unique_ptr<SqliteLedger>> Open(
      const std::string& path);
  ~SqliteLedger() override;

  absl::StatusOr<bool> PutOem(const std::string& oem_id,
                              const std::string& root_der) override;
  absl::StatusOr<std::string> GetOemRoot(const std::string& oem_id) override;
  absl::StatusOr<bool> PutAccessPoint(
      const credential_authority::v1::AccessPointRegistration& ap) override;
  absl::StatusOr<credential_authority::v1::AccessPointRegistration>
  GetAccessPoint(const std::string& access_point_id) override;
  absl::Status InsertCredential(
      const common::v1::Credential& credential,
      const std::optional<credential_authority::v1::SymmetricKeyGrant>& grant,
      const RequestRecord& request) override;
  absl::StatusOr<CredentialRow> GetCredential(
      const std::string& credential_id) override;
  absl::Status InsertShare(const ShareRow& share,
                           const RequestRecord& request) override;
  absl::StatusOr<ShareRow> GetShare(const std::string& share_id,
                                    absl::Time now) override;
  absl::StatusOr<uint32_t> RecordWrongPin(const std::string& share_id,
                                          uint32_t limit) override;
  absl::Status CommitRedemption(
      const std::string& share_id, const std::string& receiver_oem_id,
      absl::Time now, const common::v1::Credential& issued,
      const std::optional<credential_authority::v1::SymmetricKeyGrant>& grant,
      const RequestRecord& request) override;
  absl::StatusOr<RevocationResult> RevokeShare(const std::string& share_id,
                                               absl::Time now) override;
  absl::StatusOr<RevocationResult> RevokeCredential(
      const std::string& credential_id, absl::Time now) override;
  absl::StatusOr<std::vector<ShareRow>> ListSharesByParent(
      const std::string& credential_id, absl::Time now) override;
  absl::StatusOr<std::vector<ShareRow>> ListSharesByAccessPoint(
      const std::string& access_point_id, absl::Time now) override;
  absl::StatusOr<uint64_t> RevocationVersion() override;
  absl::StatusOr<std::vector<credential_authority::v1::RevocationEntry>>
  RevocationsAfter(uint64_t after_version, absl::Time relevant_at) override;
  absl::StatusOr<std::vector<credential_authority::v1::SymmetricKeyGrant>>
  GrantsAfter(const std::string& access_point_id, uint64_t after_sequence,
              uint64_t* last_sequence) override;
  absl::StatusOr<std::optional<RequestRecord>> GetRequest(
      const std::string& request_id) override;

 private:
  explicit SqliteLedger(sqlite3* db) : db_(db) {}
  absl::Status Exec(const char* sql) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status InsertRequestLocked(const RequestRecord& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status InsertCredentialLocked(
      const common::v1::Credential& credential,
      const std::optional<credential_authority::v1::SymmetricKeyGrant>& grant)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<ShareRow> GetShareLocked(const std::string& share_id,
                                          absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::vector<ShareRow>> ListSharesLocked(
      const char* sql, const std::string& key, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Revokes from the given roots inside an open transaction.
  absl::StatusOr<RevocationResult> RevokeLocked(
      std::vector<std::string> share_roots,
      std::vector<std::string> credential_roots, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  sqlite3* db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sct::ca

#endif  // SCT_CREDENTIAL_AUTHORITY_SQLITE_LEDGER_H_
