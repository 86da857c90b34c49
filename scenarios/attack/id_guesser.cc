// The id_guesser adversary: guesses random mailbox ids against the relay's
// HTTP API (preview GET or read POST with a fresh claim), optionally paced at
// `rate` guesses per second, and counts hits, not-founds and rate limiting.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/share_link.h"
#include "common/status_macros.h"
#include "common/uuid.h"
#include "scenarios/attack/adversaries.h"
#include "scenarios/attack/adversary_logic.h"
#include "scenarios/attack/http_session.h"
#include "scenarios/attack/trace_events.h"

namespace sct::scenarios::attack {
namespace {

using scenario::v1::Adversary;

constexpr uint32_t kDefaultGuesses = 100;

// What a run of guesses produced.
struct Guesses {
  GuessStats stats;
  std::vector<std::string> hit_ids;
  std::string transport_error;
};

Guesses Guess(const RunContext& ctx, const Adversary& a, const RelayHttp& relay, absl::Time start) {
  const scenario::v1::MailboxIdGuesser& spec = a.id_guesser();
  const uint32_t tries = spec.tries() == 0 ? kDefaultGuesses : spec.tries();
  HttpSession session(relay.url, relay.ca_file);
  Guesses out;
  for (uint32_t i = 0; i < tries; ++i) {
    if (spec.rate() > 0) {
      // Pace the guesses at `rate` per second (the attacker's speed).
      const absl::Time due = start + absl::Seconds(i / spec.rate());
      const absl::Time now = absl::Now();
      if (due > now) absl::SleepFor(due - now);
    }
    const std::string id = RandomMailboxId();
    std::vector<std::pair<std::string, std::string>> headers = {{"sct-actor", a.name()},
                                                                {"sct-step", ctx.current_step}};
    if (!spec.preview_only()) {
      headers.push_back({"Mailbox-Device-Claim", NewUuidV4()});
      headers.push_back({"Mailbox-Request-ID", NewUuidV4()});
    }
    HttpAnswer answer = session.Call(spec.preview_only() ? "GET" : "POST",
                                     absl::StrCat(kMailboxPathPrefix, id), headers);
    out.stats.Record(answer.status);
    if (answer.status == 0) out.transport_error = answer.error;
    if (answer.status == 200 || answer.status == 201 || answer.status == 401) {
      out.hit_ids.push_back(id);
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

std::string Summary(const scenario::v1::MailboxIdGuesser& spec, const GuessStats& stats) {
  return absl::StrCat(stats.tries, " guessed mailbox ids (",
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
  out.summary = Summary(spec, g.stats);
  AppendEvent(ctx,
              MakeEvent(a.name(), "relay",
                        spec.preview_only() ? "guesses: HTTP GET /v1/m/{id}"
                                            : "guesses: HTTP POST /v1/m/{id}",
                        out.summary, start, decisive, ::common::v1::ADVERSARY, ctx.current_step));
  return out;
}

}  // namespace sct::scenarios::attack
