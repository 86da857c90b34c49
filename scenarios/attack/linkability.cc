#include "scenarios/attack/linkability.h"

#include <algorithm>
#include <deque>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "sim/recorder.h"

namespace sct::scenarios::attack {
namespace {

namespace sv1 = ::scenario::v1;
using ::common::v1::KnowledgeItem;
using sv1::LinkabilityAuditRow;

constexpr size_t kMaxHops = 4;

// What the engine knows about one fingerprint.
struct Value {
  std::string label;  // of the first known value, or "a MAILBOX_ID value"
  std::set<std::string> owners;
  bool identifying = false;  // may join chains
};

// The classes by which a service's annotation makes an unknown value an identifier.
bool IdentifyingClass(KnowledgeItem item) {
  return item == ::common::v1::MAILBOX_ID || item == ::common::v1::PUSH_TOKEN ||
         item == ::common::v1::DEVICE_IDENTITY;
}

// Owners whose values identify a subject (devices, personas, shares); an
// actor's own address ("actor:relay") never joins chains.
bool IdentifyingOwner(const std::string& owner) {
  return absl::StartsWith(owner, "device:") || absl::StartsWith(owner, "persona:") ||
         absl::StartsWith(owner, "share:");
}

// Every fingerprint the input mentions, with what is known of it.
absl::StatusOr<std::map<std::string, Value>> IndexValues(const LinkInput& input) {
  std::map<std::string, Value> values;
  for (const KnownValue& k : input.base->known) {
    if (k.value.empty()) continue;
    if (input.base->audit_key.empty()) return InvalidField("audit_key", "empty");
    ASSIGN_OR_RETURN(std::string fp, sim::Recorder::Fingerprint(input.base->audit_key, k.value));
    Value& v = values[fp];
    if (v.label.empty()) v.label = k.label;
    if (!k.owner.empty()) v.owners.insert(k.owner);
    v.identifying = v.identifying || IdentifyingOwner(k.owner);
  }
  for (const Sighting& s : input.base->sightings) {
    if (s.fingerprint.empty() || !IdentifyingClass(s.item)) continue;
    Value& v = values[absl::AsciiStrToLower(s.fingerprint)];
    if (v.label.empty()) {
      v.label = absl::StrCat("a ", ::common::v1::KnowledgeItem_Name(s.item), " value");
    }
    v.identifying = true;
  }
  return values;
}

// The pooled calls of one set of actors, as a graph over identifying values.
class Graph {
 public:
  Graph(const LinkInput& input, const std::map<std::string, Value>& values,
        const std::set<std::string>& actors)
      : values_(values) {
    for (const CoSighting& c : input.co_sightings) {
      if (actors.count(c.actor) == 0) continue;
      std::vector<std::string> nodes;
      for (const std::string& raw : c.fingerprints) {
        const std::string fp = absl::AsciiStrToLower(raw);
        auto it = values.find(fp);
        if (it != values.end() && it->second.identifying) nodes.push_back(fp);
      }
      if (nodes.size() < 2) continue;
      const size_t e = edges_.size();
      edges_.push_back({&c, nodes});
      for (const std::string& n : nodes) by_node_[n].push_back(e);
    }
  }

  // The hops of a shortest chain from a value in `from` to one in `to`;
  // empty when there is none.
  std::vector<std::string> Chain(const std::set<std::string>& from,
                                 const std::set<std::string>& to) const {
    std::map<std::string, std::pair<std::string, size_t>> parent;  // node -> (prev, edge)
    std::deque<std::string> queue;
    for (const std::string& f : from) {
      if (by_node_.count(f) == 0 || parent.count(f) > 0) continue;
      parent[f] = {"", 0};
      queue.push_back(f);
    }
    while (!queue.empty()) {
      const std::string node = queue.front();
      queue.pop_front();
      if (to.count(node) > 0) return Hops(parent, node);
      for (size_t e : by_node_.at(node)) {
        for (const std::string& next : edges_[e].nodes) {
          if (parent.count(next) > 0) continue;
          parent[next] = {node, e};
          queue.push_back(next);
        }
      }
    }
    return {};
  }

 private:
  struct Edge {
    const CoSighting* call;
    std::vector<std::string> nodes;
  };

  std::string Label(const std::string& fp) const { return values_.at(fp).label; }

  std::vector<std::string> Hops(const std::map<std::string, std::pair<std::string, size_t>>& parent,
                                std::string node) const {
    std::vector<std::string> hops;
    while (!parent.at(node).first.empty()) {
      const auto& [prev, e] = parent.at(node);
      const CoSighting& c = *edges_[e].call;
      hops.push_back(
          absl::StrCat(c.actor, " saw ", Label(prev), " with ", Label(node), " at ", c.where));
      node = prev;
    }
    return std::vector<std::string>(hops.rbegin(), hops.rend());
  }

  const std::map<std::string, Value>& values_;
  std::vector<Edge> edges_;
  std::map<std::string, std::vector<size_t>> by_node_;
};

std::set<std::string> OwnedBy(const std::map<std::string, Value>& values,
                              const std::string& owner) {
  std::set<std::string> out;
  for (const auto& [fp, v] : values) {
    if (v.owners.count(owner) > 0) out.insert(fp);
  }
  return out;
}

// What a set of actors links for one question.
struct Answer {
  bool linked = false;
  std::string evidence;
  bool nothing_known = false;  // no identifying value of an end is known
};

class Linker {
 public:
  Linker(const LinkInput& input, std::map<std::string, Value> values)
      : input_(input), values_(std::move(values)) {}

  Answer Ask(const std::set<std::string>& actors, sv1::Link link, const std::string& subject,
             const std::string& object) const {
    if (link == sv1::CLIENT_ADDRESS) return SawAddress(actors, subject);
    auto [from, to] = Ends(link, subject, object);
    Answer a;
    if (from.empty() || to.empty()) {
      a.nothing_known = true;
      a.evidence = absl::StrCat("no identifying value of ", from.empty() ? subject : object,
                                " is known to the engine");
      return a;
    }
    const std::vector<std::string> hops = Graph(input_, values_, actors).Chain(from, to);
    a.linked = !hops.empty();
    if (a.linked) a.evidence = Shown(hops);
    return a;
  }

 private:
  std::pair<std::set<std::string>, std::set<std::string>> Ends(sv1::Link link,
                                                               const std::string& subject,
                                                               const std::string& object) const {
    switch (link) {
      case sv1::SENDER_RECEIVER: {
        auto it = input_.shares.find(subject);
        if (it == input_.shares.end()) return {};
        return {OwnedBy(values_, "device:" + it->second.sender),
                OwnedBy(values_, "device:" + it->second.receiver)};
      }
      case sv1::DEVICE_MAILBOX:
        return {OwnedBy(values_, "device:" + subject), OwnedBy(values_, "share:" + object)};
      default:
        return {OwnedBy(values_, "persona:" + subject), OwnedBy(values_, "persona:" + object)};
    }
  }

  Answer SawAddress(const std::set<std::string>& actors, const std::string& subject) const {
    std::set<std::string> address = OwnedBy(values_, "device:" + subject);
    for (const std::string& fp : OwnedBy(values_, "actor:" + subject)) address.insert(fp);
    Answer a;
    std::vector<std::string> seen;
    for (const Sighting& s : input_.base->sightings) {
      if (actors.count(s.actor) == 0 || s.item != ::common::v1::CLIENT_ADDRESS) continue;
      const std::string fp = absl::AsciiStrToLower(s.fingerprint);
      if (address.count(fp) == 0) continue;
      seen.push_back(absl::StrCat(s.actor, " saw ", values_.at(fp).label, " at ", s.where,
                                  s.count > 1 ? absl::StrCat(" (", s.count, "x)") : ""));
    }
    if (address.empty()) {
      a.nothing_known = true;
      a.evidence = absl::StrCat("no address of ", subject, " is known to the engine");
      return a;
    }
    a.linked = !seen.empty();
    if (a.linked) a.evidence = Shown(seen);
    return a;
  }

  static std::string Shown(const std::vector<std::string>& lines) {
    std::vector<std::string> shown(lines.begin(), lines.begin() + std::min(lines.size(), kMaxHops));
    std::string text = absl::StrJoin(shown, "; ");
    if (lines.size() > kMaxHops) absl::StrAppend(&text, "; +", lines.size() - kMaxHops, " more");
    return text;
  }

  const LinkInput& input_;
  const std::map<std::string, Value> values_;
};

absl::Status CheckAssertion(const LinkInput& input, size_t i) {
  const sv1::LinkabilityAssertion& a = input.assertions[i];
  const std::string at = absl::StrCat("assertions[", i, "].");
  if (a.actors().empty()) return InvalidField(at + "actors", "missing");
  for (const std::string& actor : a.actors()) {
    if (actor.empty()) return InvalidField(at + "actors", "empty actor name");
  }
  if (a.link() == sv1::LINK_UNSPECIFIED) return InvalidField(at + "link", "LINK_UNSPECIFIED");
  if (a.subject().empty()) return InvalidField(at + "subject", "missing");
  const bool needs_object = a.link() == sv1::DEVICE_MAILBOX || a.link() == sv1::PERSONAS;
  if (needs_object && a.object().empty()) return InvalidField(at + "object", "missing");
  if (a.link() == sv1::SENDER_RECEIVER && input.shares.count(a.subject()) == 0) {
    return InvalidField(at + "subject", absl::StrCat("no share \"", a.subject(), "\""));
  }
  if (a.link() == sv1::DEVICE_MAILBOX && input.shares.count(a.object()) == 0) {
    return InvalidField(at + "object", absl::StrCat("no share \"", a.object(), "\""));
  }
  return absl::OkStatus();
}

// The row of one question asked of `actors`, its verdict per `must_not` (or
// AUDIT_INFO when `info`).
LinkabilityAuditRow Row(const LinkInput& input, const Linker& linker,
                        const std::vector<std::string>& actors, sv1::Link link,
                        const std::string& subject, const std::string& object, bool must_not,
                        bool info) {
  LinkabilityAuditRow row;
  for (const std::string& a : actors) row.add_actors(a);
  row.set_link(link);
  row.set_subject(subject);
  row.set_object(object);
  row.set_must_not_link(must_not);
  const std::set<std::string> set(actors.begin(), actors.end());
  const Answer together = linker.Ask(set, link, subject, object);
  row.set_linked(together.linked);
  for (const std::string& a : actors) {
    if (actors.size() > 1 && linker.Ask({a}, link, subject, object).linked) row.add_linked_alone(a);
  }
  if (actors.size() == 1 && together.linked) row.add_linked_alone(actors[0]);
  row.set_collusion_only(actors.size() > 1 && together.linked && row.linked_alone().empty());
  std::vector<std::string> unaudited;
  for (const std::string& a : actors) {
    auto it = input.base->audited.find(a);
    if (it == input.base->audited.end() || !it->second) unaudited.push_back(a);
  }
  if (info) {
    row.set_evidence(together.evidence);
    row.set_verdict(sv1::AUDIT_INFO);
  } else if (together.linked) {
    row.set_evidence(together.evidence);
    row.set_verdict(must_not ? sv1::AUDIT_VIOLATED : sv1::AUDIT_OK);
  } else if (together.nothing_known || !unaudited.empty()) {
    std::string why = together.evidence;
    for (const std::string& a : unaudited) {
      auto r = input.base->unaudited_reason.find(a);
      const std::string reason =
          r != input.base->unaudited_reason.end() ? r->second : "no audit record for this actor";
      absl::StrAppend(&why, why.empty() ? "" : "; ", a, ": ", reason);
    }
    row.set_evidence(why);
    row.set_verdict(sv1::AUDIT_UNKNOWN);
  } else {
    row.set_evidence("no chain of identifying values in the calls they recorded");
    row.set_verdict(must_not ? sv1::AUDIT_OK : sv1::AUDIT_VIOLATED);
  }
  return row;
}

// AUDIT_INFO rows: what a pair of candidates links that neither links alone.
void AddCollusionRows(const LinkInput& input, const Linker& linker,
                      std::vector<LinkabilityAuditRow>& rows) {
  const std::vector<std::string>& c = input.collusion_candidates;
  for (size_t i = 0; i < c.size(); ++i) {
    for (size_t j = i + 1; j < c.size(); ++j) {
      for (const auto& [share, ends] : input.shares) {
        std::vector<std::tuple<sv1::Link, std::string, std::string>> questions = {
            {sv1::DEVICE_MAILBOX, ends.sender, share}};
        if (!ends.receiver.empty()) {
          questions.emplace_back(sv1::SENDER_RECEIVER, share, "");
          questions.emplace_back(sv1::DEVICE_MAILBOX, ends.receiver, share);
        }
        for (const auto& [link, subject, object] : questions) {
          if (!linker.Ask({c[i], c[j]}, link, subject, object).linked) continue;
          if (linker.Ask({c[i]}, link, subject, object).linked) continue;
          if (linker.Ask({c[j]}, link, subject, object).linked) continue;
          rows.push_back(Row(input, linker, {c[i], c[j]}, link, subject, object, false, true));
        }
      }
    }
  }
}

}  // namespace

absl::StatusOr<std::vector<LinkabilityAuditRow>> BuildLinkRows(const LinkInput& input) {
  if (input.base == nullptr) return InvalidField("base", "null");
  for (size_t i = 0; i < input.assertions.size(); ++i) RETURN_IF_ERROR(CheckAssertion(input, i));
  ASSIGN_OR_RETURN(auto values, IndexValues(input));
  const Linker linker(input, std::move(values));
  std::vector<LinkabilityAuditRow> rows;
  for (const sv1::LinkabilityAssertion& a : input.assertions) {
    rows.push_back(Row(input, linker, {a.actors().begin(), a.actors().end()}, a.link(), a.subject(),
                       a.object(), a.must_not_link(), false));
  }
  AddCollusionRows(input, linker, rows);
  return rows;
}

}  // namespace sct::scenarios::attack
