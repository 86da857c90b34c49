// The id_guesser adversary: `attackers` guessers (default 1) guess random
// mailbox ids against the relay's HTTP API (preview GET or read POST with a
// fresh claim), each `tries` times, each paced at `rate` guesses per second,
// interleaved round by round; with distinct_addresses each connects from its
// own address of the address plan's adversary range. Counts hits,
// not-founds and rate limiting, in all and per attacker.
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/share_link.h"
#include "common/status_macros.h"
#include "common/uuid.h"
#include "scenarios/attack/adversaries.h"
#include "scenarios/attack/adversary_logic.h"
#include "scenarios/attack/http_session.h"
#include "scenarios/attack/trace_events.h"
#include "scenarios/launcher/address_plan.h"

namespace sct::scenarios::attack {
namespace {

using scenario::v1::Adversary;

constexpr uint32_t kDefaultGuesses = 100;

// What a run of guesses produced: in all and per attacker.
struct Guesses {
  GuessStats stats;
  std::vector<GuessStats> by_attacker;
  std::vector<std::string> addresses;  // attacker i's source address
  std::vector<std::string> hit_ids;
  std::string transport_error;
};

uint32_t AttackersOf(const scenario::v1::MailboxIdGuesser& spec) {
  return spec.attackers() == 0 ? 1 : spec.attackers();
}

Guesses Guess(const RunContext& ctx, const Adversary& a, const RelayHttp& relay, absl::Time start) {
  const scenario::v1::MailboxIdGuesser& spec = a.id_guesser();
  const uint32_t tries = spec.tries() == 0 ? kDefaultGuesses : spec.tries();
  const uint32_t attackers = AttackersOf(spec);
  Guesses out;
  std::vector<std::unique_ptr<HttpSession>> sessions;
  for (uint32_t j = 0; j < attackers; ++j) {
    const std::string address = spec.distinct_addresses() ? AttackerAddress(j) : kLabAddress;
    out.addresses.push_back(address);
    sessions.push_back(std::make_unique<HttpSession>(
        relay.url, relay.ca_file, spec.distinct_addresses() ? address : ""));
  }
  out.by_attacker.resize(attackers);
  for (uint32_t i = 0; i < tries; ++i) {
    if (spec.rate() > 0) {
      // Pace each attacker at `rate` guesses per second: round i is due at
      // i / rate, and in it every attacker makes one guess.
      const absl::Time due = start + absl::Seconds(i / spec.rate());
      const absl::Time now = absl::Now();
      if (due > now) absl::SleepFor(due - now);
    }
    for (uint32_t j = 0; j < attackers; ++j) {
      const std::string id = RandomMailboxId();
      std::vector<std::pair<std::string, std::string>> headers = {{"sct-actor", a.name()},
                                                                  {"sct-step", ctx.current_step}};
      if (!spec.preview_only()) {
        headers.push_back({"Mailbox-Device-Claim", NewUuidV4()});
        headers.push_back({"Mailbox-Request-ID", NewUuidV4()});
      }
      HttpAnswer answer = sessions[j]->Call(spec.preview_only() ? "GET" : "POST",
                                            absl::StrCat(kMailboxPathPrefix, id), headers);
      out.stats.Record(answer.status);
      out.by_attacker[j].Record(answer.status);
      if (answer.status == 0) out.transport_error = answer.error;
      if (answer.status == 200 || answer.status == 201 || answer.status == 401) {
        out.hit_ids.push_back(id);
      }
    }
  }
  return out;
}

// The status that best describes the run: a hit, else rate limiting, else
// not found, else the last other answer.
absl::Status Decisive(const Guesses& g) {
  if (g.stats.hits > 0) return absl::OkStatus();
  if (g.stats.rate_limited > 0) {
    return MakeError(absl::StatusCode::kResourceExhausted, "rate_limited", "");
  }
  if (g.stats.not_found > 0) {
    return MakeError(absl::StatusCode::kNotFound, "mailbox_not_found", "");
  }
  return MakeError(absl::StatusCode::kUnavailable,
                   g.stats.last_other_status == 0
                       ? "transport"
                       : absl::StrCat("http_", g.stats.last_other_status),
                   g.transport_error);
}

// "3 attackers from 3 addresses (127.1.0.1 ... 127.1.0.3)" or "1 attacker
// from 1 address (127.0.0.1)".
std::string Who(const Guesses& g) {
  const size_t k = g.by_attacker.size();
  const size_t n = std::set<std::string>(g.addresses.begin(), g.addresses.end()).size();
  return absl::StrCat(k, k == 1 ? " attacker" : " attackers", " from ", n,
                      n == 1 ? " address (" : " addresses (", g.addresses.front(),
                      n == 1 ? "" : absl::StrCat(" ... ", g.addresses.back()), ")");
}

// Per attacker, "/"-separated, e.g. "20/20/20".
std::string PerAttacker(const Guesses& g, uint32_t GuessStats::*field) {
  std::vector<std::string> parts;
  for (const GuessStats& s : g.by_attacker) parts.push_back(absl::StrCat(s.*field));
  return absl::StrJoin(parts, "/");
}

std::string Summary(const scenario::v1::MailboxIdGuesser& spec, const Guesses& g) {
  const GuessStats& stats = g.stats;
  return absl::StrCat(stats.tries, " guessed mailbox ids by ", Who(g), " (",
                      spec.preview_only() ? "preview GET" : "read POST", "): ", stats.hits,
                      " hit(s), ", stats.not_found, " not found, ", stats.rate_limited,
                      " rate-limited",
                      stats.rate_limited_after >= 0
                          ? absl::StrCat(" (from guess ", stats.rate_limited_after + 1, ")")
                          : "",
                      stats.other > 0 ? absl::StrCat(", ", stats.other, " other") : "");
}

}  // namespace

absl::StatusOr<AdversaryOutcome> ActGuesser(RunContext& ctx, const Adversary& a) {
  const scenario::v1::MailboxIdGuesser& spec = a.id_guesser();
  ASSIGN_OR_RETURN(RelayHttp relay, RelayHttpOf(ctx));
  if (spec.distinct_addresses() && !IsLoopbackIpv4Url(relay.url)) {
    // Clients on other loopback addresses reach only a relay on loopback,
    // and only there does each show up as a client address of its own.
    return MakeError(absl::StatusCode::kFailedPrecondition, "relay_not_loopback",
                     absl::StrCat("id_guesser.distinct_addresses: the relay's HTTP URL ", relay.url,
                                  " is not a loopback IPv4 literal, so the attackers' own "
                                  "addresses cannot reach it or be told apart"));
  }
  const absl::Time start = absl::Now();
  const Guesses g = Guess(ctx, a, relay, start);
  {
    RunState& state = StateOf(ctx);
    std::lock_guard<std::mutex> lock(state.mu);
    for (const std::string& id : g.hit_ids) {
      state.evidence.push_back(
          {a.name(), ::common::v1::MAILBOX_ID, id, "guessed mailbox id answered by the relay"});
    }
  }
  const absl::Status decisive = Decisive(g);
  AdversaryOutcome out;
  out.succeeded = g.stats.Succeeded(spec);
  out.code = CodeName(decisive);
  out.reason = decisive.ok() ? "" : ReasonOf(decisive);
  out.details = g.stats.Details();
  out.details.push_back({"method", spec.preview_only() ? "GET" : "POST"});
  out.details.push_back({"rate_per_s", spec.rate() > 0 ? absl::StrCat(spec.rate()) : "unpaced"});
  out.details.push_back({"attackers", absl::StrCat(g.by_attacker.size())});
  out.details.push_back({"addresses", absl::StrJoin(g.addresses, " ")});
  out.details.push_back({"not_found_by_attacker", PerAttacker(g, &GuessStats::not_found)});
  out.details.push_back({"rate_limited_by_attacker", PerAttacker(g, &GuessStats::rate_limited)});
  out.summary = Summary(spec, g);
  AppendEvent(ctx,
              MakeEvent(a.name(), "relay",
                        spec.preview_only() ? "guesses: HTTP GET /v1/m/{id}"
                                            : "guesses: HTTP POST /v1/m/{id}",
                        out.summary, start, decisive, ::common::v1::ADVERSARY, ctx.current_step));
  return out;
}

}  // namespace sct::scenarios::attack
