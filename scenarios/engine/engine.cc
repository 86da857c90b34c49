// The Runner: the orchestration of one scenario run (see engine.h). What
// each step does lives in steps/<kind>.cc behind StepHandlerFor; how the
// engine calls services in actor_clients.h; device event streams in
// event_collector.h; what it learns for the audit in known_values.h.
#include "scenarios/engine/engine.h"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/proto_time.h"
#include "common/uuid.h"
#include "scenarios/attack/attack.h"
#include "scenarios/engine/expect.h"
#include "scenarios/engine/inbox.h"
#include "scenarios/engine/known_values.h"
#include "scenarios/engine/parse.h"
#include "scenarios/engine/relay_internals.h"
#include "scenarios/engine/run_context.h"
#include "scenarios/engine/step_env.h"
#include "scenarios/engine/steps/steps.h"
#include "scenarios/engine/time_scale.h"
#include "scenarios/engine/variant_overlay.h"
#include "scenarios/launcher/token_model.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
namespace cv1 = ::common::v1;

class Runner {
 public:
  // `topology` is the scenario's topology resolved, or why it does not
  // resolve (the run then fails without launching anything).
  Runner(const sv1::Scenario& s, absl::StatusOr<ResolvedTopology> topology, const std::string& file,
         const EngineOptions& options);

  // Makes Run() report the scenario not applicable for `reasons` (if any)
  // instead of running it.
  void SetNotApplicable(std::vector<std::string> reasons) {
    not_applicable_ = std::move(reasons);
  }

  sv1::ScenarioResult Run();

 private:
  void Fail(const std::string& why) {
    result_.set_passed(false);
    if (result_.first_failure().empty()) result_.set_first_failure(why);
  }
  // Adds a result for every step, SKIPPED with `observed`; `described` also
  // gives its note and expectation.
  void SkipAll(const std::string& observed, bool described);

  // ---- phases (in this order) ----
  bool LaunchEcosystem();
  void SetUp();
  void KnowActorAddresses();
  void RunSteps();
  void Finish();
  void OrderActors();
  void TearDown();
  void NoteServiceExits();

  // ---- steps ----
  // Runs step `i` (unless the run is stopped or out of time); true when the
  // run must stop after it.
  bool RunStep(int i, bool stopped);
  // Runs the step's action (started at `start`) until it passes, or its
  // retry policy gives up; counts the attempts.
  absl::StatusOr<Outcome> Attempt(const sv1::Step& st, sv1::StepResult& r, absl::Time start,
                                  int* attempts);
  void ApplyFaults(const std::string& step_id, bool at_start);
  void ClearFaults(const std::string& step_id, bool at_end);

  // ---- end of run ----
  void CheckTimings();
  void AuditKnowledge();
  void AuditLinkability();
  void ResolveLinks();
  void NotePushFallback();

  sv1::Scenario s_;  // the file's scenario, seed fixed
  absl::StatusOr<ResolvedTopology> topology_;
  std::string file_;
  EngineOptions options_;
  sv1::ScenarioResult result_;
  RunContext ctx_;
  std::unique_ptr<Ecosystem> eco_;
  std::unique_ptr<StepEnv> env_;  // once the ecosystem is up
  std::set<int> active_faults_;
  std::map<std::string, std::pair<absl::Time, absl::Time>> step_times_;
  absl::Time scenario_deadline_ = absl::InfiniteFuture();
  std::vector<std::string> not_applicable_;
};

Runner::Runner(const sv1::Scenario& s, absl::StatusOr<ResolvedTopology> topology,
               const std::string& file, const EngineOptions& options)
    : s_(s), topology_(std::move(topology)), file_(file), options_(options) {
  // Seed 0 means "random, recorded": fix one so faults and adversaries
  // (scenarios/attack reads ctx.scenario->seed) can be replayed.
  if (s_.seed() == 0) {
    std::random_device rd;
    s_.set_seed((static_cast<uint64_t>(rd()) << 32) | rd());
    if (s_.seed() == 0) s_.set_seed(1);
    std::cerr << "scenario " << s_.name() << ": seed " << s_.seed() << "\n";
  }
  result_.set_name(s.name());
  result_.set_file(file);
  result_.set_description(s.description());
  if (s.topology().architecture().token_model() == sv1::PER_OEM_FORMAT) {
    *result_.mutable_agreements() = CensusOf(s.topology());
  }
  ctx_.scenario = &s_;
  ctx_.time_scale = options_.time_scale;
  if (topology_.ok()) ctx_.topology = &*topology_;
  ctx_.inbox_cursors = options_.inbox_cursors.get();
}

void Runner::SkipAll(const std::string& observed, bool described) {
  for (const auto& st : s_.steps()) {
    sv1::StepResult* r = result_.add_steps();
    r->set_step_id(st.id());
    r->set_actor(st.actor());
    r->set_action(ActionName(st));
    if (described) r->set_note(st.note());
    r->set_status(sv1::SKIPPED);
    if (described) {
      r->set_expected(DescribeExpectation(st.expect(), st.has_use(), options_.time_scale));
    }
    r->set_observed(observed);
  }
}

// Starts the topology in a fresh work directory. False (the run failed, every
// step skipped) when the topology does not resolve or does not start.
bool Runner::LaunchEcosystem() {
  if (!topology_.ok()) {
    Fail(absl::StrCat("invalid topology: ", topology_.status().message()));
    SkipAll("not run: invalid topology", true);
    return false;
  }
  LaunchOptions lo;
  lo.binaries_dir = options_.binaries_dir;
  lo.sim_control = options_.sim_control;
  lo.start_timeout = Scaled(lo.start_timeout, options_.time_scale);
  static std::atomic<int> counter{0};
  std::string safe = s_.name().empty() ? "scenario" : s_.name();
  for (char& c : safe) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') c = '_';
  }
  lo.work_dir =
      absl::StrCat(options_.work_dir, "/", safe, "-", getpid(), "-", counter.fetch_add(1));
  ctx_.work_dir = lo.work_dir;
  std::error_code ec;
  std::filesystem::create_directories(lo.work_dir, ec);
  absl::StatusOr<std::unique_ptr<Ecosystem>> eco =
      options_.launch ? options_.launch(*topology_, lo) : Launch(*topology_, lo);
  if (!eco.ok()) {
    Fail(absl::StrCat("launch failed: ", eco.status().message()));
    SkipAll("not run: launch failed", true);
    return false;
  }
  eco_ = std::move(*eco);
  ctx_.eco = eco_.get();
  env_ = std::make_unique<StepEnv>(s_, *topology_, ctx_, options_.rpc_timeout, scenario_deadline_);
  ctx_.started_at = env_->clock.Now();
  if (options_.on_ecosystem) options_.on_ecosystem(eco_.get());
  return true;
}

// The loopback address of every launched actor (the address plan: the host
// its gRPC port listens on), known as its CLIENT_ADDRESS and kept in the
// result; then the lab's own address (engine, adversaries).
void Runner::KnowActorAddresses() {
  std::set<std::string> devices;
  for (const auto& d : topology_->proto().devices()) devices.insert(d.id());
  for (const std::string& name : eco_->Names()) {
    const Service* svc = eco_->Find(name);
    if (svc == nullptr || svc->attached || svc->grpc_address.empty()) continue;
    const std::string host = svc->grpc_address.substr(0, svc->grpc_address.rfind(':'));
    (*result_.mutable_actor_addresses())[name] = host;
    Know(ctx_, cv1::CLIENT_ADDRESS, host, absl::StrCat("address of ", name),
         absl::StrCat(devices.count(name) > 0 ? "device:" : "actor:", name));
  }
  Know(ctx_, cv1::CLIENT_ADDRESS, "127.0.0.1", "address of the lab (engine, adversaries)");
}

// Names the engine knows from the start (owner credentials, device ids and
// addresses), device event streams, the audit and the adversaries.
void Runner::SetUp() {
  const sv1::Topology& t = topology_->proto();
  for (const auto& oc : t.owner_credentials()) {
    env_->creds.Save(oc.id(), CredInfo{eco_->OwnerCredentialId(oc.id()), oc.device(), oc.persona(),
                                       oc.access_point()});
  }
  KnowActorAddresses();
  for (const auto& d : t.devices()) {
    Know(ctx_, cv1::DEVICE_IDENTITY, eco_->DeviceId(d.id()), absl::StrCat("device id of ", d.id()),
         "device:" + d.id());
    for (cv1::ChannelKind k : {cv1::SMS, cv1::EMAIL, cv1::MESSENGER}) {
      Know(ctx_, cv1::PERSON_IDENTITY, AddressOf(*env_, d.id(), k),
           absl::StrCat(ChannelWord(k), " address of ", d.id()), "device:" + d.id());
    }
    const Service* svc = eco_->Find(d.id());
    if (svc != nullptr && !svc->attached) {
      absl::StatusOr<std::shared_ptr<grpc::Channel>> ch = env_->clients.ChannelTo(d.id());
      if (ch.ok()) env_->collectors[d.id()] = std::make_unique<EventCollector>(*ch);
    }
  }
  absl::Status audit = PrepareAudit(ctx_);
  if (!audit.ok() && audit.code() != absl::StatusCode::kUnimplemented) {
    Fail(absl::StrCat("audit preparation failed: ", audit.message()));
  }
  absl::Status armed = ArmAdversaries(ctx_);
  if (!armed.ok() &&
      (s_.adversaries_size() > 0 || armed.code() != absl::StatusCode::kUnimplemented)) {
    Fail(absl::StrCat("adversaries could not be armed: ", armed.message()));
  }
}

void Runner::ApplyFaults(const std::string& step_id, bool at_start) {
  for (int i = 0; i < s_.faults_size(); ++i) {
    const sv1::Fault& f = s_.faults(i);
    const bool due = at_start ? f.from_step().empty() : f.from_step() == step_id;
    if (!due || active_faults_.count(i)) continue;
    absl::Status st = ApplyFault(f, ctx_);
    if (!st.ok()) {
      Fail(absl::StrCat("fault \"", f.name(), "\" could not be applied: ", st.message()));
      continue;
    }
    active_faults_.insert(i);
  }
}

void Runner::ClearFaults(const std::string& step_id, bool at_end) {
  for (int i = 0; i < s_.faults_size(); ++i) {
    const sv1::Fault& f = s_.faults(i);
    if (!active_faults_.count(i)) continue;
    if (!at_end && f.until_step() != step_id) continue;
    absl::Status st = ClearFault(f, ctx_);
    active_faults_.erase(i);
    if (!st.ok() && !at_end) {
      Fail(absl::StrCat("fault \"", f.name(), "\" could not be cleared: ", st.message()));
    }
  }
}

absl::StatusOr<Outcome> Runner::Attempt(const sv1::Step& st, sv1::StepResult& r, absl::Time start,
                                        int* attempts) {
  const std::string rid = NewUuidV4();
  const StepCall call{st, rid, r};
  const StepHandler handler = StepHandlerFor(st.action_case());
  absl::StatusOr<Outcome> o;
  while (true) {
    ++*attempts;
    o = handler != nullptr ? handler(*env_, call)
                           : absl::InvalidArgumentError("step has no action");
    if (!o.ok()) break;
    o->duration = absl::Now() - start;
    if (Judge(st.expect(), st.has_use(), *o, options_.time_scale).passed) break;
    if (!ShouldRetry(st.retry(), *attempts, *o)) break;
    const absl::Duration backoff = RetryBackoff(st.retry());
    if (absl::Now() + backoff >= scenario_deadline_) break;
    absl::SleepFor(backoff);
  }
  return o;
}

bool Runner::RunStep(int i, bool stopped) {
  const sv1::Step& st = s_.steps(i);
  sv1::StepResult* r = result_.add_steps();
  r->set_step_id(st.id());
  r->set_actor(st.actor());
  r->set_action(ActionName(st));
  r->set_note(st.note());
  r->set_expected(DescribeExpectation(st.expect(), st.has_use(), options_.time_scale));
  if (stopped) {
    r->set_status(sv1::SKIPPED);
    r->set_observed("not run: an earlier step failed");
    return true;
  }
  if (absl::Now() >= scenario_deadline_) {
    r->set_status(sv1::ERRORED);
    r->set_observed(absl::StrCat(
        "not run: scenario timeout (", s_.timeout().empty() ? "120s" : s_.timeout(),
        options_.time_scale > 1 ? absl::StrCat(" x", options_.time_scale, " time scale") : "",
        ") reached"));
    Fail(absl::StrCat("step ", st.id(), ": scenario timeout reached"));
    return true;
  }
  ctx_.current_step = st.id();
  if (i == 0) ApplyFaults("", true);
  ApplyFaults(st.id(), false);
  const size_t trace_before = ctx_.engine_trace.size();
  const absl::Time start = absl::Now();
  *r->mutable_started_at() = ToProtoTimestamp(env_->clock.Now());
  int attempts = 0;
  absl::StatusOr<Outcome> o = Attempt(st, *r, start, &attempts);
  const absl::Time end = absl::Now();
  step_times_[st.id()] = {start, end};
  *r->mutable_duration() = ToProtoDuration(end - start);
  r->set_attempts(attempts);
  r->set_messages_traced(static_cast<uint32_t>(ctx_.engine_trace.size() - trace_before));
  bool failed = false;
  if (!o.ok()) {
    r->set_status(sv1::ERRORED);
    r->set_observed(absl::StrCat("engine error: ", o.status().message()));
    r->set_code(CodeName(o.status().code()));
    failed = true;
  } else {
    o->duration = end - start;
    Judgement j = Judge(st.expect(), st.has_use(), *o, options_.time_scale);
    r->set_status(j.passed ? sv1::PASSED : sv1::FAILED);
    r->set_expected(j.expected);
    r->set_observed(j.observed);
    r->set_code(CodeName(o->code));
    r->set_reason(o->reason);
    if (o->has_access) r->set_access(o->access);
    failed = !j.passed;
  }
  if (failed) {
    Fail(absl::StrCat("step ", st.id(), ": expected ", r->expected(), ", got ", r->observed()));
  }
  ClearFaults(st.id(), false);
  return failed && !st.continue_on_failure();
}

void Runner::RunSteps() {
  bool stopped = false;
  for (int i = 0; i < s_.steps_size(); ++i) stopped = RunStep(i, stopped) || stopped;
  ctx_.current_step.clear();
  ClearFaults("", true);
}

void Runner::CheckTimings() {
  for (const auto& a : s_.assertions()) {
    if (!a.has_timing()) continue;
    sv1::TimingResult* t = result_.add_timings();
    t->set_name(a.name());
    t->set_from_step(a.timing().from_step());
    t->set_to_step(a.timing().to_step());
    // The bound stretched by the time scale; the report keeps it as checked.
    const absl::Duration max =
        Scaled(DurationOr(a.timing().max(), absl::ZeroDuration()), options_.time_scale);
    *t->mutable_max() = ToProtoDuration(max);
    auto from = step_times_.find(a.timing().from_step());
    auto to = step_times_.find(a.timing().to_step());
    if (from == step_times_.end() || to == step_times_.end()) {
      t->set_passed(false);
      Fail(absl::StrCat("timing \"", a.name(), "\": step ",
                        from == step_times_.end() ? a.timing().from_step() : a.timing().to_step(),
                        " did not run"));
      continue;
    }
    const absl::Duration measured = to->second.second - from->second.first;
    *t->mutable_measured() = ToProtoDuration(measured);
    t->set_passed(measured <= max);
    if (!t->passed()) {
      Fail(absl::StrCat("timing \"", a.name(), "\": ", a.timing().from_step(), " -> ",
                        a.timing().to_step(), " took ", absl::FormatDuration(measured), ", max ",
                        absl::FormatDuration(max)));
    }
  }
}

// Links nobody looked for during the run (a share no step accepted) and
// links adversaries captured: what the knowledge audit looks for.
void Runner::ResolveLinks() {
  for (auto& [name, s] : ctx_.shares) {
    if (!s.link.empty() || s.receiver_address.empty()) continue;
    InboxLink found = FindLink(env_->clients, env_->clock, "engine", s.channel, s.receiver_address,
                               s.mailbox_id, absl::Now());
    KnowLink(ctx_, name, s, found.link);
  }
  for (const auto& [adv, links] : ctx_.intercepted) {
    for (const auto& [share, link] : links) {
      auto it = ctx_.shares.find(share);
      if (it != ctx_.shares.end()) KnowLink(ctx_, share, it->second, link);
    }
  }
}

// Whether a device that wants push (no `no_push`) said the relay offers none
// (isPushNotificationSupported false) and it polls instead: the device's
// event with that reason.
void Runner::NotePushFallback() {
  std::set<std::string> no_push;
  for (const auto& d : topology_->proto().devices()) {
    if (d.no_push()) no_push.insert(d.id());
  }
  for (auto& [name, c] : env_->collectors) {
    if (no_push.count(name)) continue;
    ::device::v1::DeviceEvent e;
    const bool seen = c->Seen(
        [](const ::device::v1::DeviceEvent& ev) {
          return ev.reason() == "relay_push_unsupported" ||
                 absl::StrContains(::device::v1::DeviceEventKind_Name(ev.kind()),
                                   "PUSH_UNSUPPORTED");
        },
        absl::Now(), &e);
    if (seen) {
      result_.set_relay_push_unsupported(true);
      return;
    }
  }
}

void Runner::AuditKnowledge() {
  bool has_knowledge = false;
  for (const auto& a : s_.assertions()) has_knowledge |= a.has_knowledge();
  absl::StatusOr<std::vector<sv1::KnowledgeAuditRow>> rows = EvaluateKnowledge(ctx_);
  if (!rows.ok()) {
    if (has_knowledge) {
      Fail(absl::StrCat("knowledge audit unavailable: ", rows.status().message()));
    }
    return;
  }
  for (auto& row : *rows) {
    if (row.verdict() == sv1::AUDIT_VIOLATED) {
      Fail(absl::StrCat("knowledge: ", row.actor(),
                        row.must_not_learn() ? " learned " : " did not learn ",
                        cv1::KnowledgeItem_Name(row.item()),
                        row.evidence().empty() ? "" : " (" + row.evidence() + ")"));
    }
    *result_.add_knowledge_audit() = std::move(row);
  }
}

// The linkability audit: rows for the linkability assertions and the
// computed collusion rows; a violated assertion fails the scenario.
void Runner::AuditLinkability() {
  bool asserted = false;
  for (const auto& a : s_.assertions()) asserted |= a.has_linkability();
  absl::StatusOr<std::vector<sv1::LinkabilityAuditRow>> rows = EvaluateLinkability(ctx_);
  if (!rows.ok()) {
    if (asserted) Fail(absl::StrCat("linkability audit unavailable: ", rows.status().message()));
    return;
  }
  for (auto& row : *rows) {
    if (row.verdict() == sv1::AUDIT_VIOLATED) {
      Fail(absl::StrCat("linkability: ", absl::StrJoin(row.actors(), " + "),
                        row.must_not_link() ? " can link " : " cannot link ",
                        sv1::Link_Name(row.link()), " of ", row.subject(),
                        row.object().empty() ? "" : " and " + row.object(),
                        row.evidence().empty() ? "" : " (" + row.evidence() + ")"));
    }
    *result_.add_linkability_audit() = std::move(row);
  }
}

// Timing assertions, the knowledge and linkability audits, the merged trace,
// markers and endpoints.
void Runner::Finish() {
  NotePushFallback();
  CheckTimings();
  if (options_.audits) {
    ResolveLinks();
    AuditKnowledge();
    AuditLinkability();
  }
  absl::StatusOr<std::vector<cv1::TraceEvent>> trace =
      options_.collect_trace ? CollectTrace(ctx_)
                             : absl::StatusOr<std::vector<cv1::TraceEvent>>(
                                   absl::UnimplementedError("trace collection off"));
  if (trace.ok()) {
    for (auto& e : *trace) *result_.add_trace() = std::move(e);
  } else {
    // Fall back to what the engine recorded itself.
    for (const auto& e : ctx_.engine_trace) *result_.add_trace() = e;
  }
  for (const auto& m : ctx_.markers) *result_.add_markers() = m;
  for (const auto& [k, v] : eco_->Endpoints()) (*result_.mutable_endpoints())[k] = v;
}

// Lifelines of the sequence diagram: sender-side devices first (in the order
// they share), the channel, relay, OEMs, authorities, access points, the
// other devices, adversaries, then anyone else in the trace.
void Runner::OrderActors() {
  std::vector<std::string> order;
  std::set<std::string> seen;
  auto add = [&](const std::string& a) {
    if (!a.empty() && seen.insert(a).second) order.push_back(a);
  };
  const sv1::Topology& t = topology_->proto();
  for (const auto& st : s_.steps()) {
    if (st.has_share()) add(st.actor());
  }
  std::vector<std::string> receivers;
  for (const auto& d : t.devices()) {
    if (!seen.count(d.id())) receivers.push_back(d.id());
  }
  add("channel");
  add("relay");
  for (const auto& o : t.oems()) add(o.id());
  for (const auto& a : t.authorities()) add(a.id());
  for (const auto& a : t.access_points()) add(a.id());
  for (const auto& d : receivers) add(d);
  for (const auto& a : s_.adversaries()) add(a.name());
  for (const auto& e : result_.trace()) {
    add(e.from());
    add(e.to());
  }
  for (const auto& a : order) result_.add_actors(a);
}

void Runner::TearDown() {
  for (auto& [name, c] : env_->collectors) c->Stop();
  env_->collectors.clear();
  if (options_.on_ecosystem) options_.on_ecosystem(nullptr);
  // The engine's channels go first: a service's gRPC server waits, within
  // its shutdown grace, until every client connection has closed, and the
  // engine does not read its idle connections (it would not see the
  // server's GOAWAY), so a channel kept open here held each service it led
  // to until the launcher's SIGKILL.
  env_.reset();
  eco_->Shutdown();
  NoteServiceExits();
  // A run on a reused ecosystem (EngineOptions::launch) keeps its files in
  // that ecosystem's directory: its own stays empty unless an adversary wrote
  // there. std::filesystem::remove deletes a directory only when it is empty.
  std::error_code ec;
  if (!ctx_.work_dir.empty()) std::filesystem::remove(ctx_.work_dir, ec);
}

// How every launched process ended: one that died during the run or failed
// at shutdown (a sanitizer's report: ASan's leak check exits 23) fails the
// run; one killed after the grace is only recorded.
void Runner::NoteServiceExits() {
  for (sv1::ServiceExit& e : eco_->Exits()) {
    if (e.kind() == sv1::DIED_DURING_RUN || e.kind() == sv1::FAILED_AT_SHUTDOWN) {
      Fail(absl::StrCat("service ", e.service(), ": ", e.detail()));
    }
    *result_.add_service_exits() = std::move(e);
  }
}

sv1::ScenarioResult Runner::Run() {
  const absl::Time start = absl::Now();
  *result_.mutable_started_at() = ToProtoTimestamp(start);
  result_.set_passed(true);
  scenario_deadline_ =
      start + Scaled(DurationOr(s_.timeout(), absl::Seconds(120)), options_.time_scale);
  if (!not_applicable_.empty()) {
    result_.set_passed(false);
    result_.set_not_applicable(true);
    for (const std::string& r : not_applicable_) result_.add_not_applicable_reasons(r);
    result_.set_first_failure(absl::StrCat("not applicable: ", not_applicable_.front()));
    SkipAll("not applicable: the relay under test does not offer what this scenario needs", true);
  } else {
    // Where the wall time goes (result.phases): each phase ends where the
    // next begins.
    absl::Time mark = start;
    auto phase = [&](const char* name) {
      const absl::Time now = absl::Now();
      sv1::PhaseDuration* p = result_.add_phases();
      p->set_phase(name);
      *p->mutable_duration() = ToProtoDuration(now - mark);
      mark = now;
    };
    const bool launched = LaunchEcosystem();
    phase("launch");
    if (launched) {
      SetUp();
      phase("set_up");
      if (result_.passed()) {
        RunSteps();
      } else {
        SkipAll("not run: set-up failed", false);
      }
      DisarmAdversaries(ctx_);
      phase("steps");
      Finish();
      OrderActors();
      phase("finish");
      TearDown();
      phase("stop");
    }
  }
  *result_.mutable_duration() = ToProtoDuration(absl::Now() - start);
  return result_;
}

}  // namespace

bool ApplyRelayStore(sv1::StoreKind store, sv1::Scenario& scenario) {
  const sv1::RelaySpec& relay = scenario.topology().relay();
  if (store == sv1::STORE_KIND_UNSPECIFIED || relay.has_attach() ||
      relay.store() != sv1::STORE_KIND_UNSPECIFIED || !relay.redis_address().empty()) {
    return false;
  }
  scenario.mutable_topology()->mutable_relay()->set_store(store);
  return true;
}

bool ApplyRelayApi(sv1::RelayApi api, sv1::Scenario& scenario) {
  if (api == sv1::RELAY_API_UNSPECIFIED) return false;
  // Behind Oblivious HTTP a device reaches the relay only over HTTP, through
  // the gateway: a run-wide GRPC would take it around the oblivious relay.
  if (api == sv1::GRPC && scenario.topology().architecture().ohttp()) return false;
  bool changed = false;
  for (sv1::DeviceSpec& d : *scenario.mutable_topology()->mutable_devices()) {
    if (d.has_attach() || d.relay_api() != sv1::RELAY_API_UNSPECIFIED) continue;
    d.set_relay_api(api);
    changed = true;
  }
  return changed;
}

void AttachRelayByUrl(const std::string& url, const std::string& ca_file,
                      sv1::Scenario& scenario) {
  sv1::RelaySpec* relay = scenario.mutable_topology()->mutable_relay();
  relay->Clear();
  relay->mutable_attach()->set_http_url(url);
  relay->mutable_attach()->set_ca_cert_file(ca_file);
}

namespace {

// Applies the run-wide options to `run`: the variant's expectations and
// assertions, the devices' relay API, the relay attached by URL, the relay's
// store. Returns the reasons it is not applicable (empty: run it);
// `*changed` says whether the topology changed.
std::vector<std::string> ApplyRunOptions(const EngineOptions& options, sv1::Scenario& run,
                                         bool* changed) {
  SelectForVariant(options.variant, run);
  *changed = ApplyRelayApi(options.relay_api, run);
  RelayOffer offer = RelayOfferOf(run.topology().relay());
  if (!options.attach_relay_url.empty()) offer = RelayOffer{false, false, false};
  std::vector<std::string> reasons = RelayInternalsNeeded(run, offer);
  if (!options.attach_relay_url.empty()) {
    AttachRelayByUrl(options.attach_relay_url, options.attach_relay_ca, run);
    *changed = true;
  }
  *changed = ApplyRelayStore(options.relay_store, run) || *changed;
  return reasons;
}

}  // namespace

sv1::ScenarioResult RunScenario(const sv1::Scenario& scenario, const std::string& file,
                                const EngineOptions& options) {
  sv1::Scenario run = scenario;
  bool changed = false;
  std::vector<std::string> not_applicable = ApplyRunOptions(options, run, &changed);
  Runner runner(run, ResolveTopology(run.topology()), file, options);
  runner.SetNotApplicable(std::move(not_applicable));
  return runner.Run();
}

sv1::ScenarioResult RunScenarioFile(const std::string& file, const EngineOptions& options) {
  absl::StatusOr<CheckedScenario> s = LoadCheckedScenario(file);
  if (!s.ok()) {
    sv1::ScenarioResult r;
    r.set_file(file);
    r.set_name(std::filesystem::path(file).stem().string());
    r.set_passed(false);
    r.set_first_failure(std::string(s.status().message()));
    *r.mutable_started_at() = ToProtoTimestamp(absl::Now());
    return r;
  }
  bool changed = false;
  std::vector<std::string> not_applicable = ApplyRunOptions(options, s->scenario, &changed);
  Runner runner(s->scenario,
                changed ? ResolveTopology(s->scenario.topology()) : std::move(s->topology), file,
                options);
  runner.SetNotApplicable(std::move(not_applicable));
  return runner.Run();
}

}  // namespace sct::scenarios
