// The relay_dump adversary (a relay operator reading the relay's store files
// and, optionally, its logs) and the dump itself, which the knowledge audit
// also uses: what the store holds at audit time counts as known to the
// operator and to the relay.
#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "scenarios/attack/adversaries.h"
#include "scenarios/attack/trace_events.h"

namespace sct::scenarios::attack {
namespace {

std::string Basename(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The files a dump reads: every data file (SQLite ones with their -wal and
// -shm), and with `logs` the relay's stderr files, each once.
struct DumpFiles {
  std::vector<std::string> files;
  std::vector<std::string> logs;

  void Add(const std::string& f) {
    if (!f.empty() && std::find(files.begin(), files.end(), f) == files.end()) files.push_back(f);
  }
  bool IsLog(const std::string& f) const {
    return std::find(logs.begin(), logs.end(), f) != logs.end();
  }
};

DumpFiles FilesOf(const Service& relay, bool include_logs) {
  DumpFiles out;
  for (const std::string& f : relay.data_files) {
    out.Add(f);
    if (absl::EndsWith(f, ".db") || absl::EndsWith(f, ".sqlite") || absl::EndsWith(f, ".sqlite3")) {
      out.Add(f + "-wal");
      out.Add(f + "-shm");
    }
  }
  if (include_logs && !relay.stderr_path.empty()) {
    // The launcher keeps the logs of earlier starts as "<stderr>.N".
    for (int n = 1; n <= 100; ++n) {
      const std::string older = absl::StrCat(relay.stderr_path, ".", n);
      if (!std::ifstream(older).good()) break;
      out.logs.push_back(older);
      out.Add(older);
    }
    out.logs.push_back(relay.stderr_path);
    out.Add(relay.stderr_path);
  }
  return out;
}

}  // namespace

absl::StatusOr<DumpResult> DumpRelay(RunContext& ctx, bool include_logs) {
  const Service* relay = ctx.eco == nullptr ? nullptr : ctx.eco->Find("relay");
  if (relay == nullptr) {
    return MakeError(absl::StatusCode::kNotFound, "service_not_found",
                     "the topology has no service \"relay\"");
  }
  const DumpFiles files = FilesOf(*relay, include_logs);
  if (files.files.empty()) {
    return MakeError(absl::StatusCode::kFailedPrecondition, "no_data_files",
                     relay->attached ? "the relay is attached: its store cannot be read"
                                     : "the relay keeps no data files (memory or Redis store)");
  }
  DumpResult out;
  for (const std::string& f : files.files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      out.missing.push_back(Basename(f));
      continue;
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    const std::string contents = buf.str();
    out.files_read.push_back(Basename(f));
    out.bytes_read += contents.size();
    const std::string where = files.IsLog(f) ? "relay log " + Basename(f) : Basename(f);
    for (DumpHit& h : SearchDump(where, contents, ctx.known)) out.hits.push_back(std::move(h));
  }
  return out;
}

bool RelayMayHold(::common::v1::KnowledgeItem item) {
  return item == ::common::v1::MAILBOX_ID || item == ::common::v1::CIPHERTEXT ||
         item == ::common::v1::PUSH_TOKEN || item == ::common::v1::CLIENT_ADDRESS;
}

absl::StatusOr<AdversaryOutcome> ActDump(RunContext& ctx, const scenario::v1::Adversary& a) {
  const absl::Time start = absl::Now();
  absl::StatusOr<DumpResult> dump = DumpRelay(ctx, a.relay_dump().include_logs());
  if (!dump.ok()) {
    AppendEvent(ctx, MakeEvent(a.name(), "relay", "read store files", "relay dump impossible",
                               start, dump.status(), ::common::v1::ADVERSARY, ctx.current_step));
    return Failed(dump.status().code(), ReasonOf(dump.status()),
                  std::string(dump.status().message()));
  }
  RunState& state = StateOf(ctx);
  std::vector<DumpHit>& kept = state.dumps[a.name()];
  kept.insert(kept.end(), dump->hits.begin(), dump->hits.end());
  std::vector<std::string> forbidden, allowed;
  for (const DumpHit& h : dump->hits) {
    std::string line = absl::StrCat(h.label, " in ", h.where, " (", h.form, ")");
    (RelayMayHold(h.item) ? allowed : forbidden).push_back(std::move(line));
  }
  size_t searched = 0;
  for (const KnownValue& k : ctx.known) {
    if (k.value.size() >= kMinSearchLength && !RelayMayHold(k.item)) ++searched;
  }
  AdversaryOutcome out;
  out.succeeded = forbidden.empty();
  out.code = "OK";
  out.reason = forbidden.empty() ? "" : "known_value_found";
  out.details = {{"files_read", absl::StrJoin(dump->files_read, ",")},
                 {"files_missing", absl::StrJoin(dump->missing, ",")},
                 {"bytes_read", absl::StrCat(dump->bytes_read)},
                 {"forbidden_values_searched", absl::StrCat(searched)},
                 {"forbidden_hits", absl::StrCat(forbidden.size())},
                 {"allowed_hits", absl::StrCat(allowed.size())}};
  if (!forbidden.empty()) out.details.push_back({"found", absl::StrJoin(forbidden, "; ")});
  if (!allowed.empty()) out.details.push_back({"found_allowed", absl::StrJoin(allowed, "; ")});
  out.summary =
      forbidden.empty()
          ? absl::StrCat("read ", dump->files_read.size(), " relay file(s), ", dump->bytes_read,
                         " bytes: none of ", searched, " known values the relay must not hold")
          : absl::StrCat("relay files hold ", absl::StrJoin(forbidden, "; "));
  AppendEvent(ctx, MakeEvent(a.name(), "relay", "read store files", out.summary, start,
                             absl::OkStatus(), ::common::v1::ADVERSARY, ctx.current_step));
  return out;
}

}  // namespace sct::scenarios::attack
