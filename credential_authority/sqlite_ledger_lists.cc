// SqliteLedger's share listings (ListSharesByParent, ListSharesByAccessPoint,
// ListSharesPage): the class is declared in sqlite_ledger.h; the rest of it
// is in sqlite_ledger.cc.
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "credential_authority/sqlite_ledger.h"
#include "runtime/sqlite.h"

namespace sct::ca {

absl::StatusOr<std::vector<ShareRow>> SqliteLedger::SharesSelectedBy(
    const std::string& sql, const std::string& key, const std::vector<int64_t>& extra,
    uint64_t limit, absl::Time now, bool* more) {
  std::vector<ShareRow> out;
  if (more != nullptr) *more = false;
  RETURN_IF_ERROR(store_->Read([&](SqliteDb& db) -> absl::Status {
    RETURN_IF_ERROR(db.Exec("BEGIN"));  // one snapshot for the ids and the rows
    absl::Status listed = [&]() -> absl::Status {
      ASSIGN_OR_RETURN(SqliteStatement list, SqliteStatement::Prepare(db, sql));
      list.BindText(1, key);
      for (size_t i = 0; i < extra.size(); ++i) list.BindInt(static_cast<int>(i) + 2, extra[i]);
      std::vector<std::string> ids;
      while (true) {
        ASSIGN_OR_RETURN(bool row, list.Step());
        if (!row) break;
        ids.push_back(list.Text(0));
      }
      if (ids.size() > limit) {
        if (more != nullptr) *more = true;
        ids.resize(limit);
      }
      for (const std::string& id : ids) {
        ASSIGN_OR_RETURN(ShareRow row, GetShareIn(db, id, now));
        out.push_back(std::move(row));
      }
      return absl::OkStatus();
    }();
    db.Exec("COMMIT").IgnoreError();
    return listed;
  }));
  return out;
}

absl::StatusOr<std::vector<ShareRow>> SqliteLedger::ListShares(absl::string_view column,
                                                               const std::string& key,
                                                               absl::Time now) {
  return SharesSelectedBy(
      absl::StrCat("SELECT share_id FROM shares WHERE ", column, " = ?1 ORDER BY seq"), key, {},
      UINT64_MAX, now, nullptr);
}

absl::StatusOr<std::vector<ShareRow>> SqliteLedger::ListSharesPage(const ShareListing& listing,
                                                                   uint64_t offset,
                                                                   uint64_t limit, absl::Time now,
                                                                   bool* more) {
  const absl::string_view column = listing.by == ShareListing::By::kAccessPoint
                                       ? "access_point_id"
                                       : "parent_credential_id";
  // Ids only down the tree (indexed joins inside SQLite); rows for the page.
  const std::string sql =
      listing.descendants
          ? absl::StrCat(
                "WITH RECURSIVE tree(share_id, seq, depth) AS ("
                "SELECT share_id, seq, 0 FROM shares WHERE ",
                column,
                " = ?1 UNION ALL SELECT s.share_id, s.seq, t.depth + 1 FROM tree t "
                "JOIN credentials c ON c.parent_share_id = t.share_id "
                "JOIN shares s ON s.parent_credential_id = c.credential_id) "
                "SELECT share_id FROM tree GROUP BY share_id ORDER BY MIN(depth), MIN(seq) "
                "LIMIT ?2 OFFSET ?3")
          : absl::StrCat("SELECT share_id FROM shares WHERE ", column,
                         " = ?1 ORDER BY seq LIMIT ?2 OFFSET ?3");
  // One row past the page says whether there is more.
  return SharesSelectedBy(sql, listing.key,
                          {static_cast<int64_t>(std::min<uint64_t>(limit, INT32_MAX) + 1),
                           static_cast<int64_t>(std::min<uint64_t>(offset, INT64_MAX))},
                          limit, now, more);
}

absl::StatusOr<std::vector<ShareRow>> SqliteLedger::ListSharesByParent(
    const std::string& credential_id, absl::Time now) {
  return ListShares("parent_credential_id", credential_id, now);
}

absl::StatusOr<std::vector<ShareRow>> SqliteLedger::ListSharesByAccessPoint(
    const std::string& access_point_id, absl::Time now) {
  return ListShares("access_point_id", access_point_id, now);
}

}  // namespace sct::ca
