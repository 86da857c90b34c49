#include "scenarios/report/sample_report.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/proto_time.h"
#include "proto/access_point/v1/access_point.pb.h"
#include "proto/common/v1/audit.pb.h"

namespace sct::scenarios {
namespace {

using common::v1::TraceEvent;
using common::v1::TraceKind;
using scenario::v1::ScenarioResult;
using scenario::v1::StepResult;

// Times in the sample are milliseconds after 2026-11-28T01:00:00Z.
constexpr int64_t kBaseSeconds = 1795827600;

void SetMillis(google::protobuf::Timestamp* t, int64_t ms) {
  ToProto(absl::FromUnixSeconds(kBaseSeconds) + absl::Milliseconds(ms), t);
}

void SetDurationMs(google::protobuf::Duration* d, int64_t ms) {
  ToProto(absl::Milliseconds(ms), d);
}

// A stretch of sample time in milliseconds: [start, end).
struct Span {
  int64_t start = 0;
  int64_t end = 0;
  int64_t length() const { return end - start; }
};

// Appends trace events with increasing times (a cursor in milliseconds) and
// records when each step starts and ends: a step runs from its Step() call
// to the next one (or EndStep()).
class TraceBuilder {
 public:
  explicit TraceBuilder(ScenarioResult* r, int64_t start_ms) : r_(r), now_(start_ms) {}

  // Ends the current step and starts step `id` at the cursor.
  void Step(const std::string& id) {
    EndStep();
    step_ = id;
    spans_[id].start = now_;
  }
  // Ends the current step at the cursor.
  void EndStep() {
    if (!step_.empty()) spans_[step_].end = now_;
  }
  const Span& span(const std::string& id) const { return spans_.at(id); }

  int64_t now() const { return now_; }
  void Advance(int64_t ms) { now_ += ms; }

  TraceEvent* Add(const std::string& from, const std::string& to, const std::string& rpc,
                  int64_t duration_ms, const std::string& summary,
                  TraceKind kind = common::v1::TRACE_KIND_UNSPECIFIED,
                  const std::string& code = "OK", const std::string& reason = "") {
    TraceEvent* e = r_->add_trace();
    e->set_seq(++seq_);
    e->set_from(from);
    e->set_to(to);
    e->set_rpc(rpc);
    e->set_summary(summary);
    SetMillis(e->mutable_time(), now_);
    SetDurationMs(e->mutable_duration(), duration_ms);
    e->set_status_code(code);
    e->set_reason(reason);
    e->set_kind(kind);
    e->set_step_id(step_);
    now_ += duration_ms + 3;
    return e;
  }

 private:
  ScenarioResult* r_;
  int64_t now_;
  uint64_t seq_ = 0;
  std::string step_;
  std::map<std::string, Span> spans_;
};

// A step that ran for `span`, with code OK and one attempt.
StepResult* AddStep(ScenarioResult* r, const std::string& id, const std::string& actor,
                    const std::string& action, scenario::v1::StepStatus status,
                    const std::string& expected, const std::string& observed, const Span& span,
                    uint32_t messages, const std::string& note = "") {
  StepResult* s = r->add_steps();
  s->set_step_id(id);
  s->set_actor(actor);
  s->set_action(action);
  s->set_status(status);
  s->set_expected(expected);
  s->set_observed(observed);
  s->set_code("OK");
  SetMillis(s->mutable_started_at(), span.start);
  SetDurationMs(s->mutable_duration(), span.length());
  s->set_attempts(1);
  s->set_messages_traced(messages);
  s->set_note(note);
  return s;
}

void AddAudit(ScenarioResult* r, const std::string& actor, common::v1::KnowledgeItem item,
              bool must_not, bool learned, scenario::v1::AuditVerdict verdict,
              const std::string& evidence) {
  auto* a = r->add_knowledge_audit();
  a->set_actor(actor);
  a->set_item(item);
  a->set_must_not_learn(must_not);
  a->set_learned(learned);
  a->set_verdict(verdict);
  a->set_evidence(evidence);
}

// A marker from `start_ms`; open-ended when `end_ms` is negative.
void AddMarker(ScenarioResult* r, const std::string& label, TraceKind kind,
               const std::vector<std::string>& actors, int64_t start_ms, int64_t end_ms) {
  auto* m = r->add_markers();
  m->set_label(label);
  m->set_kind(kind);
  for (const std::string& a : actors) m->add_actors(a);
  SetMillis(m->mutable_start(), start_ms);
  if (end_ms >= 0) SetMillis(m->mutable_end(), end_ms);
}

// The "revocation lands fast" assertion: from step "revoke" to step
// "unlock-after-revoke" within 2 s.
void AddRevocationTiming(ScenarioResult* r, int64_t measured_ms, bool passed) {
  auto* timing = r->add_timings();
  timing->set_name("revocation lands fast");
  timing->set_from_step("revoke");
  timing->set_to_step("unlock-after-revoke");
  SetDurationMs(timing->mutable_measured(), measured_ms);
  SetDurationMs(timing->mutable_max(), 2000);
  timing->set_passed(passed);
}

void StandardEndpoints(ScenarioResult* r) {
  (*r->mutable_endpoints())["relay"] = "127.0.0.1:41001 (launched, sqlite)";
  (*r->mutable_endpoints())["oem-a"] = "127.0.0.1:41002 (launched)";
  (*r->mutable_endpoints())["oem-b"] = "127.0.0.1:41003 (launched)";
  (*r->mutable_endpoints())["ca"] = "127.0.0.1:41004 (launched, sqlite)";
  (*r->mutable_endpoints())["car-1"] = "127.0.0.1:41005 (launched)";
  (*r->mutable_endpoints())["channel"] = "127.0.0.1:41006 (SMS, e-mail, messenger)";
}

// ---------------------------------------------------------------------------
// The passing car share.
// ---------------------------------------------------------------------------

ScenarioResult CarShareHeader() {
  ScenarioResult r;
  r.set_name("car-share-cross-platform-intercepted");
  r.set_file("scenarios/suite/car_share_intercepted.textproto");
  r.set_description(
      "Alice (oem-a phone) shares unlock/lock of car-1 with Bob (oem-b phone) over SMS. "
      "Eve taps the SMS channel and fetches the link preview, which binds nothing. "
      "oem-b is down for Bob's first provisioning attempts; the step retries with the "
      "same request id. Revocation reaches the car within the bound (ARCHITECTURE.md 2, 5, 7).");
  r.set_passed(true);
  SetMillis(r.mutable_started_at(), 0);
  SetDurationMs(r.mutable_duration(), 6420);
  for (const char* a : {"engine", "alice-phone", "oem-a", "ca", "relay", "channel", "eve",
                        "bob-phone", "oem-b", "car-1"}) {
    r.add_actors(a);
  }
  StandardEndpoints(&r);
  (*r.mutable_endpoints())["eve"] = "adversary (link interceptor on SMS, device eve-phone)";
  return r;
}

// Step "share": alice shares over SMS; eve taps the channel. Returns when
// eve's tap starts.
int64_t TraceShareOverSms(TraceBuilder* t) {
  t->Step("share");
  t->Add("engine", "alice-phone", "device.v1.DeviceAgent/ShareCredential", 212,
         "credential alice-car, entitlements unlock,lock, channel SMS");
  t->Add("alice-phone", "oem-a", "oem.v1.Oem/InitiateShare", 41, "vertical CAR, 2 entitlements");
  t->Add("oem-a", "ca", "authority.v1.Authority/CreateShare", 18, "share minted, single use");
  t->Add("alice-phone", "relay", "HTTP POST /v1/m", 9, "CreateMailbox, ttl 48h, 412 B payload");
  t->Add("alice-phone", "channel", "channel.v1.Channel/Send", 4, "1 segment, 118 chars",
         common::v1::CHANNEL);
  const int64_t eve_start = t->now();
  t->Add("eve", "channel", "channel.v1.Channel/Tap", 2, "captured 1 message",
         common::v1::ADVERSARY);
  t->Advance(500);
  t->Add("channel", "bob-phone", "SMS deliver", 3, "delivered after 500ms", common::v1::CHANNEL);
  return eve_start;
}

// Step "eve-preview": eve fetches the link preview.
void TraceEvePreview(TraceBuilder* t) {
  t->Step("eve-preview");
  t->Add("engine", "eve", "adversary act", 1, "preview captured link");
  t->Add("eve", "relay", "HTTP GET /v1/m/{id}", 6, "preview page, Open Graph tags only",
         common::v1::ADVERSARY);
}

// Step "accept": bob reads the mailbox and provisions across the oem-b
// outage (two failed attempts). Returns the outage window.
Span TraceAcceptAcrossOutage(TraceBuilder* t) {
  t->Step("accept");
  t->Add("engine", "bob-phone", "device.v1.DeviceAgent/AcceptShare", 2310, "share-1");
  t->Add("bob-phone", "relay", "HTTP POST /v1/m/{id}", 8, "ReadSecureContent, binds bob-phone");
  Span outage;
  outage.start = t->now();
  t->Add("bob-phone", "oem-b", "oem.v1.Oem/Provision", 1, "attempt 1", common::v1::FAULT,
         "UNAVAILABLE", "oem_outage");
  t->Advance(1000);
  t->Add("bob-phone", "oem-b", "oem.v1.Oem/Provision", 1, "attempt 2", common::v1::FAULT,
         "UNAVAILABLE", "oem_outage");
  outage.end = t->now();
  t->Advance(1000);
  t->Add("bob-phone", "oem-b", "oem.v1.Oem/Provision", 36, "attempt 3, attested SE key");
  t->Add("oem-b", "ca", "authority.v1.Authority/RedeemShare", 22, "redeemed once, cert issued");
  t->Add("ca", "oem-a", "oem.v1.Oem/NotifyShareEvent", 3, "share-1 redeemed");
  t->Add("oem-a", "alice-phone", "push share_redeemed", 1, "push stream", common::v1::PUSH);
  t->Add("bob-phone", "relay", "HTTP PUT /v1/m/{id}", 7, "UpdateMailbox, receipt");
  return outage;
}

// Step "alice-sees-receipt": alice's wallet polls the relay nine times.
void TraceReceiptPolling(TraceBuilder* t) {
  t->Step("alice-sees-receipt");
  t->Add("engine", "alice-phone", "device.v1.DeviceAgent/WaitForEvent", 1, "share-1 receipt");
  for (int i = 0; i < 9; ++i) {
    t->Add("alice-phone", "relay", "HTTP POST /v1/m/{id}", 5, "poll");
    t->Advance(200);
  }
  t->Add("alice-phone", "relay", "HTTP DELETE /v1/m/{id}", 4, "DeleteMailbox after receipt");
}

// Steps "unlock", "revoke" and "unlock-after-revoke": granted, revoked,
// denied.
void TraceUnlockRevokeUnlock(TraceBuilder* t) {
  t->Step("unlock");
  t->Add("engine", "bob-phone", "device.v1.DeviceAgent/UseCredential", 1, "car-1 unlock");
  t->Add("bob-phone", "car-1", "access_point.v1.AccessPoint/Challenge", 2, "nonce");
  t->Add("bob-phone", "car-1", "access_point.v1.AccessPoint/Authenticate", 14, "GRANTED");
  t->Add("car-1", "car-1", "check revocation list", 1, "list version 3, fresh");

  t->Step("revoke");
  t->Add("engine", "alice-phone", "device.v1.DeviceAgent/Revoke", 1, "share-1");
  t->Add("alice-phone", "oem-a", "oem.v1.Oem/RevokeShare", 12, "share-1 and re-shares");
  t->Add("oem-a", "ca", "authority.v1.Authority/Revoke", 9, "1 credential revoked");
  t->Add("ca", "car-1", "authority.v1.Authority/WatchRevocations", 2, "revocation list v4",
         common::v1::PUSH);

  t->Step("unlock-after-revoke");
  t->Add("engine", "bob-phone", "device.v1.DeviceAgent/UseCredential", 1, "car-1 unlock");
  t->Add("bob-phone", "car-1", "access_point.v1.AccessPoint/Challenge", 2, "nonce");
  t->Add("bob-phone", "car-1", "access_point.v1.AccessPoint/Authenticate", 11, "DENIED_REVOKED");
  t->EndStep();
}

void AddCarShareSteps(ScenarioResult* r, const TraceBuilder& t) {
  StepResult* s = AddStep(r, "share", "alice-phone", "share", scenario::v1::PASSED, "success",
                          "OK, link 118 chars", t.span("share"), 7,
                          "Alice shares unlock/lock for one day; PIN by phone call.");
  (*s->mutable_details())["link_length"] = "118";
  (*s->mutable_details())["sms_segments"] = "1";
  AddStep(r, "eve-preview", "eve", "adversary_act", scenario::v1::PASSED, "preview binds nothing",
          "preview fetched, mailbox unbound", t.span("eve-preview"), 2);
  s = AddStep(r, "accept", "bob-phone", "accept", scenario::v1::PASSED, "success",
              "OK, credential bob-car", t.span("accept"), 8,
              "Retries across the oem-b outage with the same request id.");
  s->set_attempts(3);
  AddStep(r, "alice-sees-receipt", "alice-phone", "wait_for_event", scenario::v1::PASSED,
          "event SHARE_REDEEMED", "SHARE_REDEEMED", t.span("alice-sees-receipt"), 11);
  s = AddStep(r, "unlock", "bob-phone", "use", scenario::v1::PASSED, "access GRANTED",
              "access GRANTED", t.span("unlock"), 4);
  s->set_access(access_point::v1::GRANTED);
  AddStep(r, "revoke", "alice-phone", "revoke", scenario::v1::PASSED, "success", "OK",
          t.span("revoke"), 4);
  s = AddStep(r, "unlock-after-revoke", "bob-phone", "use", scenario::v1::PASSED,
              "access DENIED_REVOKED", "access DENIED_REVOKED", t.span("unlock-after-revoke"), 3);
  s->set_access(access_point::v1::DENIED_REVOKED);
}

void AddCarShareAudit(ScenarioResult* r) {
  AddAudit(r, "relay", common::v1::MAILBOX_SECRET, true, false, scenario::v1::AUDIT_OK,
           "no fingerprint of the secret in 14 requests or the sqlite store");
  AddAudit(r, "relay", common::v1::PLAINTEXT, true, false, scenario::v1::AUDIT_OK,
           "only ciphertext stored");
  AddAudit(r, "relay", common::v1::PIN, true, false, scenario::v1::AUDIT_OK, "");
  AddAudit(r, "relay", common::v1::PERSON_IDENTITY, true, false, scenario::v1::AUDIT_OK, "");
  AddAudit(r, "oem-a", common::v1::MAILBOX_SECRET, true, false, scenario::v1::AUDIT_OK, "");
  AddAudit(r, "oem-b", common::v1::DEVICE_IDENTITY, false, true, scenario::v1::AUDIT_INFO,
           "bob-phone's attested key seen in Provision (its own device)");
  AddAudit(r, "eve", common::v1::FULL_LINK, false, true, scenario::v1::AUDIT_OK,
           "fingerprint of the link seen in channel.v1.Channel/Tap");
  AddAudit(r, "eve", common::v1::PLAINTEXT, true, false, scenario::v1::AUDIT_OK,
           "preview page carries display information only");
}

// ---------------------------------------------------------------------------
// The failing revocation.
// ---------------------------------------------------------------------------

ScenarioResult FailingRevocationHeader() {
  ScenarioResult r;
  r.set_name("revocation-after-relay-restart");
  r.set_file("scenarios/suite/revocation_relay_restart.textproto");
  r.set_description(
      "The relay restarts between share and accept; the sender revokes and the car must "
      "refuse Bob within 2s. (A deliberately failing sample: the car polls too slowly.)");
  r.set_passed(false);
  SetMillis(r.mutable_started_at(), 9000);
  SetDurationMs(r.mutable_duration(), 4870);
  r.set_first_failure(
      "step unlock-after-revoke: expected access DENIED_REVOKED, got access GRANTED");
  // Listed the way the engine lists them: "engine" last (the diagram moves it).
  for (const char* a : {"alice-phone", "oem-a", "ca", "relay", "bob-phone", "car-1", "engine"}) {
    r.add_actors(a);
  }
  StandardEndpoints(&r);
  r.mutable_endpoints()->erase("channel");
  r.mutable_endpoints()->erase("oem-b");
  return r;
}

// Steps "share", "restart-relay" and "accept" (same platform, no faults in
// the messages).
void TraceShareRestartAccept(TraceBuilder* t) {
  t->Step("share");
  t->Add("engine", "alice-phone", "device.v1.DeviceAgent/ShareCredential", 90, "alice-car");
  t->Add("alice-phone", "oem-a", "oem.v1.Oem/InitiateShare", 30, "vertical CAR");
  t->Add("oem-a", "ca", "authority.v1.Authority/CreateShare", 15, "share minted");
  t->Add("alice-phone", "relay", "HTTP POST /v1/m", 9, "CreateMailbox");
  t->Step("restart-relay");
  t->Add("engine", "relay", "kill + restart", 800, "sqlite store kept");
  t->Step("accept");
  t->Add("engine", "bob-phone", "device.v1.DeviceAgent/AcceptShare", 120, "share-1");
  t->Add("bob-phone", "relay", "HTTP POST /v1/m/{id}", 7, "ReadSecureContent after restart");
  t->Add("bob-phone", "oem-a", "oem.v1.Oem/Provision", 30, "same platform");
  t->Add("oem-a", "ca", "authority.v1.Authority/RedeemShare", 20, "redeemed");
}

// Steps "revoke" and "unlock-after-revoke": the car still grants, and its
// revocation poll times out.
void TraceRevokeStillGranted(TraceBuilder* t) {
  t->Step("revoke");
  t->Add("engine", "alice-phone", "device.v1.DeviceAgent/Revoke", 1, "share-1");
  t->Add("alice-phone", "oem-a", "oem.v1.Oem/RevokeShare", 10, "share-1");
  t->Add("oem-a", "ca", "authority.v1.Authority/Revoke", 8, "revoked");
  t->Step("unlock-after-revoke");
  t->Add("engine", "bob-phone", "device.v1.DeviceAgent/UseCredential", 1, "car-1 unlock");
  t->Add("bob-phone", "car-1", "access_point.v1.AccessPoint/Authenticate", 12, "GRANTED");
  t->Add("car-1", "ca", "authority.v1.Authority/GetRevocations", 3, "poll (every 5s)",
         common::v1::TRACE_KIND_UNSPECIFIED, "DEADLINE_EXCEEDED", "");
  t->EndStep();
}

void AddFailingRevocationSteps(ScenarioResult* r, const TraceBuilder& t) {
  AddStep(r, "share", "alice-phone", "share", scenario::v1::PASSED, "success", "OK",
          t.span("share"), 4);
  AddStep(r, "restart-relay", "", "service", scenario::v1::PASSED, "success", "OK",
          t.span("restart-relay"), 1);
  AddStep(r, "accept", "bob-phone", "accept", scenario::v1::PASSED, "success", "OK",
          t.span("accept"), 4);
  AddStep(r, "revoke", "alice-phone", "revoke", scenario::v1::PASSED, "success", "OK",
          t.span("revoke"), 3);
  StepResult* s =
      AddStep(r, "unlock-after-revoke", "bob-phone", "use", scenario::v1::FAILED,
              "access DENIED_REVOKED", "access GRANTED", t.span("unlock-after-revoke"), 3);
  s->set_access(access_point::v1::GRANTED);
  s = r->add_steps();
  s->set_step_id("relinquish");
  s->set_actor("bob-phone");
  s->set_action("relinquish");
  s->set_status(scenario::v1::SKIPPED);
  s->set_expected("success");
}

void AddFailingRevocationAudit(ScenarioResult* r) {
  AddAudit(r, "relay", common::v1::MAILBOX_SECRET, true, false, scenario::v1::AUDIT_OK, "");
  AddAudit(r, "relay", common::v1::PIN, true, true, scenario::v1::AUDIT_VIOLATED,
           "fingerprint of the PIN seen in HTTP POST /v1/m (display information)");
  AddAudit(r, "car-1", common::v1::PRIVATE_KEY, true, false, scenario::v1::AUDIT_UNKNOWN,
           "attached endpoint exposes no audit");
}

}  // namespace

ScenarioResult SampleCarShare() {
  ScenarioResult r = CarShareHeader();
  TraceBuilder t(&r, 1200);
  const int64_t eve_start = TraceShareOverSms(&t);
  TraceEvePreview(&t);
  const Span outage = TraceAcceptAcrossOutage(&t);
  TraceReceiptPolling(&t);
  TraceUnlockRevokeUnlock(&t);

  AddMarker(&r, "eve taps SMS", common::v1::ADVERSARY, {"channel", "eve", "relay"}, eve_start,
            t.span("eve-preview").end);
  AddMarker(&r, "oem-b outage", common::v1::FAULT, {"bob-phone", "oem-b"}, outage.start,
            outage.end);
  AddCarShareSteps(&r, t);
  AddCarShareAudit(&r);
  AddRevocationTiming(&r, t.span("unlock-after-revoke").end - t.span("revoke").start,
                      /*passed=*/true);
  return r;
}

ScenarioResult SampleFailingRevocation() {
  ScenarioResult r = FailingRevocationHeader();
  TraceBuilder t(&r, 10000);
  TraceShareRestartAccept(&t);
  TraceRevokeStillGranted(&t);

  const Span& restart = t.span("restart-relay");
  AddMarker(&r, "relay restart", common::v1::FAULT, {"relay"}, restart.start, restart.end);
  AddFailingRevocationSteps(&r, t);
  AddFailingRevocationAudit(&r);
  AddRevocationTiming(&r, 4100, /*passed=*/false);
  return r;
}

scenario::v1::Report SampleReport() {
  scenario::v1::Report report;
  report.set_suite("sample");
  SetMillis(report.mutable_started_at(), 0);
  SetDurationMs(report.mutable_duration(), 15230);
  *report.add_scenarios() = SampleCarShare();
  *report.add_scenarios() = SampleFailingRevocation();
  report.set_passed(1);
  report.set_failed(1);
  (*report.mutable_environment())["relay"] = "launched:sqlite";
  (*report.mutable_environment())["transport"] = "TLS (dev PKI)";
  (*report.mutable_environment())["clock"] = "FAKE";
  (*report.mutable_environment())["host"] = "sample";
  return report;
}

}  // namespace sct::scenarios
