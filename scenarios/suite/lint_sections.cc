// The sections of a scenario file besides its topology and steps: the
// leading comment, the top-level fields, the adversaries, the faults and the
// assertions.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "scenarios/launcher/address_plan.h"
#include "scenarios/suite/lint_checks.h"

namespace sct::scenarios::suite {
namespace {

namespace sv1 = ::scenario::v1;

// Shares saved by any step (a replayer names its share before it exists).
std::set<std::string> SharesSavedAnywhere(const sv1::Scenario& sc) {
  std::set<std::string> out;
  for (const sv1::Step& s : sc.steps()) {
    if (s.has_share() && !s.share().save_as().empty()) out.insert(s.share().save_as());
  }
  return out;
}

void CheckInterceptor(LintContext& c, const Path& p, const sv1::LinkInterceptor& li) {
  const Path q = Plus(p, "link_interceptor");
  if (li.channel() == ::common::v1::CHANNEL_KIND_UNSPECIFIED) c.Problem(q, "channel: missing");
  if (!li.target().empty() && !c.devices.count(li.target())) {
    c.Problem(Plus(q, "target"), absl::StrCat("unknown device \"", li.target(), "\""));
  }
  if (!c.devices.count(li.device())) {
    c.Problem(Plus(q, "device"), absl::StrCat("unknown device \"", li.device(), "\""));
  }
}

void CheckReplayer(LintContext& c, const Path& p, const sv1::TokenReplayer& tr,
                   const std::set<std::string>& any_share) {
  const Path q = Plus(p, "token_replayer");
  auto it = c.adversaries.find(tr.interceptor());
  if (it == c.adversaries.end() || it->second != sv1::Adversary::kLinkInterceptor) {
    c.Problem(Plus(q, "interceptor"),
              absl::StrCat("\"", tr.interceptor(), "\" is not a link_interceptor adversary"));
  }
  if (!c.devices.count(tr.device())) {
    c.Problem(Plus(q, "device"), absl::StrCat("unknown device \"", tr.device(), "\""));
  }
  if (!any_share.count(tr.share())) {
    c.Problem(Plus(q, "share"), absl::StrCat("no share step saves \"", tr.share(), "\""));
  }
}

void CheckFaultKind(LintContext& c, const Path& p, const sv1::Fault& f) {
  switch (f.kind_case()) {
    case sv1::Fault::kChannel: {
      const Path q = Plus(p, "channel");
      if (f.channel().kind() == ::common::v1::CHANNEL_KIND_UNSPECIFIED) {
        c.Problem(q, "kind: missing");
      }
      c.Duration(Plus(q, "delay"), f.channel().delay(), false, false, kMaxChannelDelay);
      break;
    }
    case sv1::Fault::kLink: {
      const Path q = Plus(p, "link");
      c.NeedService(Plus(q, "from"), f.link().from());
      if (f.link().to() != "*") c.NeedService(Plus(q, "to"), f.link().to());
      c.Duration(Plus(q, "delay"), f.link().delay(), false, false, kMaxChannelDelay);
      break;
    }
    case sv1::Fault::kRestart:
      c.NeedService(Plus(Plus(p, "restart"), "service"), f.restart().service());
      break;
    case sv1::Fault::kClockSkew:
      c.NeedService(Plus(Plus(p, "clock_skew"), "service"), f.clock_skew().service());
      c.Duration(Plus(Plus(p, "clock_skew"), "offset"), f.clock_skew().offset(), true, true);
      break;
    case sv1::Fault::kOutage:
      c.NeedService(Plus(Plus(p, "outage"), "service"), f.outage().service());
      break;
    case sv1::Fault::KIND_NOT_SET:
      c.Problem(p, "fault: no kind set");
      break;
  }
}

// Whether an assertion may name `actor`: a service or adversary of the
// scenario, or, in an assertion limited to variants, an actor a variant adds.
bool KnownActor(const LintContext& c, const sv1::Assertion& a, const std::string& actor) {
  return c.services.count(actor) || c.adversaries.count(actor) ||
         (a.only_variants_size() > 0 && IsArchitectureActor(actor));
}

void CheckKnowledgeAssertion(LintContext& c, const Path& p, const sv1::Assertion& a) {
  const sv1::KnowledgeAssertion& k = a.knowledge();
  const Path q = Plus(p, "knowledge");
  if (!KnownActor(c, a, k.actor())) {
    c.Problem(Plus(q, "actor"),
              absl::StrCat("\"", k.actor(), "\" is neither a service nor an adversary"));
  }
  if (k.must_not_learn().empty() && k.must_learn().empty()) c.Problem(q, "asserts nothing");
  for (int item : k.must_not_learn()) {
    if (item == ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED) c.Problem(q, "unspecified item");
  }
}

void CheckTimingAssertion(LintContext& c, const Path& p, const sv1::TimingAssertion& t) {
  const Path q = Plus(p, "timing");
  c.NeedStep(Plus(q, "from_step"), t.from_step());
  c.NeedStep(Plus(q, "to_step"), t.to_step());
  if (t.from_step().empty() || t.to_step().empty()) {
    c.Problem(q, "timing needs from_step and to_step");
  } else if (c.StepsOutOfOrder(t.from_step(), t.to_step())) {
    c.Problem(Plus(q, "to_step"), "to_step comes before from_step");
  }
  c.Duration(Plus(q, "max"), t.max(), true, false);
}

}  // namespace

void CheckHeader(LintContext& c) {
  std::vector<std::string> prose;
  bool cites = false;
  for (absl::string_view line : absl::StrSplit(c.text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!absl::ConsumePrefix(&line, "#")) break;
    line = absl::StripAsciiWhitespace(line);
    if (absl::StrContains(line, "ARCHITECTURE.md")) cites = true;
    if (line.empty() || absl::StartsWith(line, "proto-file:") ||
        absl::StartsWith(line, "proto-message:")) {
      continue;
    }
    prose.emplace_back(line);
  }
  if (prose.size() < 3) {
    c.FileProblem(
        "the file must start with a comment block (at least 3 lines) "
        "saying what it demonstrates and why it matters");
  }
  if (!cites) c.FileProblem("the leading comment must cite ARCHITECTURE.md (section N)");
}

void CheckTopLevel(LintContext& c) {
  const sv1::Scenario& sc = c.sc;
  if (sc.name() != c.stem) {
    c.Problem({{"name", -1}},
              absl::StrCat("name: \"", sc.name(), "\" must equal the file stem \"", c.stem, "\""));
  }
  if (sc.description().empty()) c.Problem({{"name", -1}}, "description: missing");
  bool category = false;
  for (const std::string& t : sc.tags()) {
    if (t == "happy-path" || t == "lifecycle" || t == "failure-mode") category = true;
  }
  if (!category) {
    c.Problem({{"tags", 0}}, "tags: need one of happy-path, lifecycle, failure-mode");
  }
  if (sc.steps().empty()) c.Problem({{"name", -1}}, "steps: a scenario needs at least one step");
  c.Duration({{"timeout", -1}}, sc.timeout(), false, false, kMaxScenarioTimeout);
}

void CheckAdversaries(LintContext& c) {
  const sv1::Scenario& sc = c.sc;
  for (int i = 0; i < sc.adversaries_size(); ++i) {
    const sv1::Adversary& a = sc.adversaries(i);
    const Path p = {{"adversaries", i}};
    if (a.name().empty()) c.Problem(p, "name: missing");
    if (c.services.count(a.name())) {
      c.Problem(p, absl::StrCat("adversary name \"", a.name(), "\" clashes with a service id"));
    }
    if (!c.adversaries.emplace(a.name(), a.kind_case()).second) {
      c.Problem(p, absl::StrCat("adversary \"", a.name(), "\" defined twice"));
    }
  }
  const std::set<std::string> any_share = SharesSavedAnywhere(sc);
  for (int i = 0; i < sc.adversaries_size(); ++i) {
    const sv1::Adversary& a = sc.adversaries(i);
    const Path p = {{"adversaries", i}};
    switch (a.kind_case()) {
      case sv1::Adversary::kLinkInterceptor:
        CheckInterceptor(c, p, a.link_interceptor());
        break;
      case sv1::Adversary::kIdGuesser:
        if (a.id_guesser().tries() == 0) c.Problem(Plus(p, "id_guesser"), "tries: must be > 0");
        if (a.id_guesser().rate() <= 0) c.Problem(Plus(p, "id_guesser"), "rate: must be > 0");
        if (a.id_guesser().attackers() > kMaxAttackers) {
          c.Problem(Plus(p, "id_guesser"),
                    absl::StrCat("attackers: must be at most ", kMaxAttackers, " (0 means 1)"));
        }
        break;
      case sv1::Adversary::kTokenReplayer:
        CheckReplayer(c, p, a.token_replayer(), any_share);
        break;
      case sv1::Adversary::kRelayDump:
        break;
      case sv1::Adversary::KIND_NOT_SET:
        c.Problem(p, "adversary: no kind set");
        break;
    }
  }
}

void CheckFaults(LintContext& c) {
  for (int i = 0; i < c.sc.faults_size(); ++i) {
    const sv1::Fault& f = c.sc.faults(i);
    const Path p = {{"faults", i}};
    c.NeedStep(Plus(p, "from_step"), f.from_step());
    c.NeedStep(Plus(p, "until_step"), f.until_step());
    if (c.StepsOutOfOrder(f.from_step(), f.until_step())) {
      c.Problem(Plus(p, "until_step"), "until_step comes before from_step");
    }
    CheckFaultKind(c, p, f);
  }
}

void CheckAssertions(LintContext& c) {
  for (int i = 0; i < c.sc.assertions_size(); ++i) {
    const sv1::Assertion& a = c.sc.assertions(i);
    const Path p = {{"assertions", i}};
    if (a.has_knowledge()) {
      CheckKnowledgeAssertion(c, p, a);
    } else if (a.has_timing()) {
      CheckTimingAssertion(c, p, a.timing());
    } else if (a.has_linkability()) {
      const Path l = Plus(p, "linkability");
      if (a.linkability().actors().empty()) c.Problem(l, "actors: required");
      for (const std::string& actor : a.linkability().actors()) {
        if (!KnownActor(c, a, actor)) {
          c.Problem(Plus(l, "actors"),
                    absl::StrCat("\"", actor, "\" is neither a service nor an adversary"));
        }
      }
      if (a.linkability().link() == sv1::SENDER_RECEIVER) {
        c.NeedShare(Plus(l, "subject"), a.linkability().subject());
      }
      if (a.linkability().link() == sv1::DEVICE_MAILBOX) {
        c.NeedShare(Plus(l, "object"), a.linkability().object());
      }
    } else {
      c.Problem(p, "assertion: no kind set");
    }
  }
}

}  // namespace sct::scenarios::suite
