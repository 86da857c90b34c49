#include "scenarios/attack/knowledge.h"

#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/base64.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "sim/recorder.h"

namespace sct::scenarios::attack {
namespace {

using ::common::v1::KnowledgeItem;
using scenario::v1::KnowledgeAuditRow;

constexpr size_t kMaxEvidence = 3;

std::string ItemName(KnowledgeItem item) { return ::common::v1::KnowledgeItem_Name(item); }

std::string Times(uint64_t count) { return count > 1 ? absl::StrCat(" (", count, "x)") : ""; }

// Evidence lines for one (actor, item).
struct Learned {
  std::vector<std::string> evidence;
  void Add(std::string line) {
    for (const std::string& e : evidence) {
      if (e == line) return;
    }
    evidence.push_back(std::move(line));
  }
  bool learned() const { return !evidence.empty(); }
  std::string Text() const {
    std::vector<std::string> shown(evidence.begin(),
                                   evidence.begin() + std::min(evidence.size(), kMaxEvidence));
    std::string text = absl::StrJoin(shown, "; ");
    if (evidence.size() > kMaxEvidence) {
      absl::StrAppend(&text, "; +", evidence.size() - kMaxEvidence, " more");
    }
    return text;
  }
};

// Fingerprint -> the known values with it.
using FingerprintIndex = std::multimap<std::string, const KnownValue*>;

absl::StatusOr<FingerprintIndex> IndexKnownValues(const AuditInput& input) {
  FingerprintIndex index;
  for (const KnownValue& k : input.known) {
    if (k.value.empty()) continue;
    if (input.audit_key.empty()) {
      return InvalidField("audit_key", "empty (PrepareAudit not run)");
    }
    ASSIGN_OR_RETURN(std::string fp, sim::Recorder::Fingerprint(input.audit_key, k.value));
    index.emplace(std::move(fp), &k);
  }
  return index;
}

using ActorItem = std::pair<std::string, KnowledgeItem>;

// What the sightings show, per (actor, item).
struct Tally {
  std::map<ActorItem, Learned> learned;
  // Service classifications that matched no known value of an item the
  // engine knows values of: reported, not counted.
  std::map<ActorItem, Learned> classified_only;
  std::map<std::string, uint64_t> sightings_per_actor;
};

Tally TallySightings(const AuditInput& input, const FingerprintIndex& by_fingerprint) {
  std::set<KnowledgeItem> known_items;
  for (const KnownValue& k : input.known) {
    if (!k.value.empty()) known_items.insert(k.item);
  }
  Tally t;
  for (const Sighting& s : input.sightings) {
    ++t.sightings_per_actor[s.actor];
    if (!s.matched_label.empty()) {
      t.learned[{s.actor, s.matched_item}].Add(
          absl::StrCat("found ", s.matched_label, " in ", s.where));
    }
    std::set<KnowledgeItem> by_value;
    if (!s.fingerprint.empty()) {
      auto range = by_fingerprint.equal_range(absl::AsciiStrToLower(s.fingerprint));
      for (auto it = range.first; it != range.second; ++it) {
        by_value.insert(it->second->item);
        t.learned[{s.actor, it->second->item}].Add(
            absl::StrCat("fingerprint of ", it->second->label, " at ", s.where, Times(s.count)));
      }
    }
    if (s.item != ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED && by_value.count(s.item) == 0) {
      std::string line =
          absl::StrCat("observed as ", ItemName(s.item), " at ", s.where, Times(s.count));
      if (s.exact_class || known_items.count(s.item) == 0) {
        t.learned[{s.actor, s.item}].Add(std::move(line));
      } else {
        t.classified_only[{s.actor, s.item}].Add(std::move(line));
      }
    }
  }
  return t;
}

// The row of one asserted (actor, item).
KnowledgeAuditRow AssertionRow(const AuditInput& input, Tally& t, const std::string& actor,
                               KnowledgeItem item, bool must_not) {
  KnowledgeAuditRow row;
  row.set_actor(actor);
  row.set_item(item);
  row.set_must_not_learn(must_not);
  auto it = t.learned.find({actor, item});
  const bool was_learned = it != t.learned.end() && it->second.learned();
  row.set_learned(was_learned);
  auto audited = input.audited.find(actor);
  const bool is_audited = audited != input.audited.end() && audited->second;
  if (was_learned) {
    row.set_evidence(it->second.Text());
    row.set_verdict(must_not ? scenario::v1::AUDIT_VIOLATED : scenario::v1::AUDIT_OK);
  } else if (!is_audited) {
    auto why = input.unaudited_reason.find(actor);
    row.set_evidence(why != input.unaudited_reason.end() ? why->second
                                                         : "no audit record for this actor");
    row.set_verdict(scenario::v1::AUDIT_UNKNOWN);
  } else {
    std::string evidence =
        absl::StrCat("not among ", t.sightings_per_actor[actor], " recorded observations");
    auto unmatched = t.classified_only.find({actor, item});
    if (unmatched != t.classified_only.end()) {
      absl::StrAppend(&evidence, " (matching no known value: ", unmatched->second.Text(), ")");
    }
    row.set_evidence(std::move(evidence));
    row.set_verdict(must_not ? scenario::v1::AUDIT_OK : scenario::v1::AUDIT_VIOLATED);
  }
  return row;
}

// One row per asserted (actor, item, must_not), in assertion order; notes
// every asserted (actor, item) in `asserted`.
absl::Status AddAssertionRows(const AuditInput& input, Tally& t, std::set<ActorItem>& asserted,
                              std::vector<KnowledgeAuditRow>& rows) {
  std::set<std::tuple<std::string, KnowledgeItem, bool>> emitted;
  auto add_row = [&](const std::string& actor, KnowledgeItem item, bool must_not) {
    if (!emitted.insert({actor, item, must_not}).second) return;
    asserted.insert({actor, item});
    rows.push_back(AssertionRow(input, t, actor, item, must_not));
  };
  for (size_t i = 0; i < input.assertions.size(); ++i) {
    const scenario::v1::KnowledgeAssertion& a = input.assertions[i];
    if (a.actor().empty()) {
      return InvalidField(absl::StrCat("assertions[", i, "].actor"), "missing");
    }
    for (int item : a.must_not_learn()) {
      if (item == ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED) {
        return InvalidField(absl::StrCat("assertions[", i, "].must_not_learn"),
                            "KNOWLEDGE_ITEM_UNSPECIFIED");
      }
      add_row(a.actor(), static_cast<KnowledgeItem>(item), true);
    }
    for (int item : a.must_learn()) {
      if (item == ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED) {
        return InvalidField(absl::StrCat("assertions[", i, "].must_learn"),
                            "KNOWLEDGE_ITEM_UNSPECIFIED");
      }
      add_row(a.actor(), static_cast<KnowledgeItem>(item), false);
    }
  }
  return absl::OkStatus();
}

// AUDIT_INFO rows: every (actor, item) seen but asserted by nobody.
void AddInfoRows(Tally& t, const std::set<ActorItem>& asserted,
                 std::vector<KnowledgeAuditRow>& rows) {
  std::map<ActorItem, bool> info;  // -> learned
  for (const auto& [key, ev] : t.learned) {
    if (ev.learned()) info[key] = true;
  }
  for (const auto& [key, ev] : t.classified_only) {
    if (ev.learned() && info.count(key) == 0) info[key] = false;
  }
  for (const auto& [key, was_learned] : info) {
    if (asserted.count(key) > 0) continue;
    KnowledgeAuditRow row;
    row.set_actor(key.first);
    row.set_item(key.second);
    row.set_learned(was_learned);
    row.set_evidence(
        was_learned ? t.learned[key].Text()
                    : absl::StrCat("matching no known value: ", t.classified_only[key].Text()));
    row.set_verdict(scenario::v1::AUDIT_INFO);
    rows.push_back(std::move(row));
  }
}

}  // namespace

std::vector<SearchForm> SearchForms(absl::string_view value) {
  std::string b64 = Base64Encode(value);
  std::string b64_unpadded = b64;
  while (!b64_unpadded.empty() && b64_unpadded.back() == '=') b64_unpadded.pop_back();
  std::string url = Base64UrlEncode(value);
  std::string url_padded = url;
  while (url_padded.size() % 4 != 0) url_padded.push_back('=');
  std::string hex = absl::BytesToHexString(value);
  std::string upper = absl::AsciiStrToUpper(hex);
  std::vector<SearchForm> candidates = {
      {"raw", std::string(value)}, {"base64", b64}, {"base64", b64_unpadded}, {"base64url", url},
      {"base64url", url_padded},   {"hex", hex},    {"HEX", upper},
  };
  std::vector<SearchForm> out;
  for (SearchForm& f : candidates) {
    bool seen = f.bytes.empty();
    for (const SearchForm& o : out) seen = seen || o.bytes == f.bytes;
    if (!seen) out.push_back(std::move(f));
  }
  return out;
}

std::vector<DumpHit> SearchDump(absl::string_view where, absl::string_view contents,
                                const std::vector<KnownValue>& known) {
  std::vector<DumpHit> hits;
  std::set<std::pair<std::string, int>> reported;  // (label, item)
  for (const KnownValue& k : known) {
    if (k.value.size() < kMinSearchLength) continue;
    if (reported.count({k.label, k.item}) > 0) continue;
    for (const SearchForm& form : SearchForms(k.value)) {
      if (absl::StrContains(contents, form.bytes)) {
        hits.push_back(DumpHit{std::string(where), k.label, k.item, form.name});
        reported.insert({k.label, k.item});
        break;
      }
    }
  }
  return hits;
}

std::vector<Sighting> SightingsFromDump(const std::string& actor,
                                        const std::vector<DumpHit>& hits) {
  std::vector<Sighting> out;
  for (const DumpHit& h : hits) {
    Sighting s;
    s.actor = actor;
    s.where = absl::StrCat(h.where, " (", h.form, ")");
    s.matched_label = h.label;
    s.matched_item = h.item;
    out.push_back(std::move(s));
  }
  return out;
}

absl::StatusOr<std::vector<KnowledgeAuditRow>> BuildAuditRows(const AuditInput& input) {
  ASSIGN_OR_RETURN(FingerprintIndex by_fingerprint, IndexKnownValues(input));
  Tally tally = TallySightings(input, by_fingerprint);
  std::vector<KnowledgeAuditRow> rows;
  std::set<ActorItem> asserted;
  RETURN_IF_ERROR(AddAssertionRows(input, tally, asserted, rows));
  AddInfoRows(tally, asserted, rows);
  return rows;
}

}  // namespace sct::scenarios::attack
