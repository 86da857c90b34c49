#include "scenarios/report/report_html.h"

#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scenarios/report/report_test_util.h"
#include "scenarios/report/sample_report.h"

namespace sct::scenarios {
namespace {

using report_test::Count;
using report_test::kEvil;
using report_test::kEvilEscaped;
using report_test::Small;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(ReportHtmlTest, SelfContainedWithNoExternalReferences) {
  const std::string html = ReportHtml(SampleReport());
  EXPECT_TRUE(absl::StartsWith(html, "<!DOCTYPE html>"));
  EXPECT_THAT(html, Not(HasSubstr("http://")));
  EXPECT_THAT(html, Not(HasSubstr("https://")));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
  EXPECT_THAT(html, Not(HasSubstr("url(")));
  EXPECT_THAT(html, HasSubstr("<style>"));
  EXPECT_EQ(Count(html, "<svg"), 2);
}

TEST(ReportHtmlTest, HasSummarySectionsStepsTimingsAuditEndpoints) {
  const std::string html = ReportHtml(SampleReport());
  EXPECT_THAT(html, HasSubstr("href=\"#s1-car-share-cross-platform-intercepted\""));
  EXPECT_THAT(html, HasSubstr("id=\"s1-car-share-cross-platform-intercepted\""));
  EXPECT_THAT(html, HasSubstr("id=\"s2-revocation-after-relay-restart\""));
  EXPECT_THAT(html, HasSubstr("1 passed"));
  EXPECT_THAT(html, HasSubstr("1 failed"));
  EXPECT_THAT(html, HasSubstr("launched:sqlite"));  // environment
  EXPECT_THAT(html, HasSubstr("First failure:"));
  EXPECT_THAT(html, HasSubstr("<code>unlock-after-revoke</code>"));
  EXPECT_THAT(html, HasSubstr("revocation lands fast"));  // timing
  EXPECT_THAT(html, HasSubstr("exceeded"));
  EXPECT_THAT(html, HasSubstr("VIOLATED"));  // audit
  EXPECT_THAT(html, HasSubstr("<code>MAILBOX_SECRET</code>"));
  EXPECT_THAT(html, HasSubstr("must not learn"));
  EXPECT_THAT(html, HasSubstr("127.0.0.1:41001"));  // endpoints
  EXPECT_THAT(html, HasSubstr("link_length=118"));  // step details
  EXPECT_THAT(html,
              HasSubstr("<td class=\"num\">3</td>"));  // attempts of accept
  EXPECT_THAT(html, HasSubstr("skipped"));
  // Summary row of the failing scenario: 15 messages, 1 violated, 1 OK, 1
  // unknown.
  EXPECT_THAT(html, HasSubstr("<td class=\"num\">15</td><td><span class=\"fail-t\">1 violated"
                              "</span>, <span class=\"pass-t\">1 OK</span>, <span "
                              "class=\"warn-t\">1 unknown</span></td>"));
}

TEST(ReportHtmlTest, NotApplicableHasItsBadgeReasonsAndTheRelayUnderTest) {
  scenario::v1::Report report;
  (*report.mutable_environment())["relay"] = "attached by URL https://127.0.0.1:9";
  (*report.mutable_environment())["relay_api"] = "HTTP";
  (*report.mutable_environment())["relay_push"] = "unavailable: devices polled";
  auto* na = report.add_scenarios();
  na->set_name("relay-restart");
  na->set_not_applicable(true);
  na->add_not_applicable_reasons("step \"crash\": kills the relay");
  const std::string html = ReportHtml(report);
  EXPECT_THAT(html, HasSubstr("<span class=\"badge na\">N/A</span>"));
  EXPECT_THAT(html, HasSubstr("1 not applicable</span>"));
  EXPECT_THAT(html, HasSubstr("<li>step &quot;crash&quot;: kills the relay</li>"));
  EXPECT_THAT(html, HasSubstr("<b>Relay under test</b> \u2014 relay: attached by URL "
                              "https://127.0.0.1:9 \u00b7 devices reach the relay over: HTTP "
                              "\u00b7 push: unavailable: devices polled"));
  EXPECT_THAT(html, HasSubstr("0 failed</span>"));
  EXPECT_THAT(html, Not(HasSubstr("badge fail\">FAIL")));
}

TEST(ReportHtmlTest, FailureBoxSaysExpectedAndObservedOnce) {
  scenario::v1::Report report;
  scenario::v1::ScenarioResult* r = report.add_scenarios();
  *r = SampleFailingRevocation();
  std::string html = ReportHtml(report);
  EXPECT_EQ(Count(html, "expected access DENIED_REVOKED, got access GRANTED"),
            2)  // table + box
      << html;
  EXPECT_THAT(html, Not(HasSubstr("observed <b>")));
  r->clear_first_failure();
  html = ReportHtml(report);
  EXPECT_THAT(html, HasSubstr("step <code>unlock-after-revoke</code>: expected <b>access "
                              "DENIED_REVOKED</b>, observed <b>access GRANTED</b>"));
}

TEST(ReportHtmlTest, HostileDataIsEscapedAndNeverAReference) {
  scenario::v1::Report report = SampleReport();
  scenario::v1::ScenarioResult* r = report.add_scenarios();
  *r = Small();
  r->set_name(kEvil);
  r->set_description("see https://evil.example/<img src=x>");
  r->add_actors(kEvil);
  (*r->mutable_endpoints())[kEvil] = "http://evil.example/\"><script>";
  (*report.mutable_environment())[kEvil] = kEvil;
  const std::string html = ReportHtml(report);
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, HasSubstr(kEvilEscaped));
  EXPECT_THAT(html, HasSubstr("see https://evil.example/&lt;img src=x&gt;"));
  EXPECT_THAT(html, Not(HasSubstr("href=\"http")));
  // URLs appear only as escaped text, exactly where the data put them.
  EXPECT_EQ(Count(html, "https://"), 1);
  EXPECT_EQ(Count(html, "http://"), 1);
  EXPECT_THAT(html, HasSubstr("http://evil.example/&quot;&gt;&lt;script&gt;"));
}

TEST(ReportHtmlTest, LinkabilityRowsAndAddressPlanAreRenderedEscaped) {
  scenario::v1::Report report = SampleReport();
  scenario::v1::ScenarioResult* r = report.add_scenarios();
  *r = Small();
  scenario::v1::LinkabilityAuditRow* row = r->add_linkability_audit();
  row->add_actors("relay");
  row->add_actors(kEvil);
  row->set_link(scenario::v1::DEVICE_MAILBOX);
  row->set_subject("bob-phone");
  row->set_object("share-1");
  row->set_linked(true);
  row->set_collusion_only(true);
  row->set_evidence(kEvil);
  row->set_verdict(scenario::v1::AUDIT_INFO);
  (*r->mutable_actor_addresses())["alice-phone"] = "127.0.0.11";
  const std::string html = ReportHtml(report);
  EXPECT_THAT(html, HasSubstr("<h3>Linkability audit</h3>"));
  EXPECT_THAT(html, HasSubstr("<code>DEVICE_MAILBOX</code>"));
  EXPECT_THAT(html, HasSubstr("none: only together"));
  EXPECT_THAT(html, HasSubstr("info (collusion)"));
  EXPECT_THAT(html, HasSubstr("<h3>Address plan</h3>"));
  EXPECT_THAT(html, HasSubstr("127.0.0.11"));
  EXPECT_THAT(html, HasSubstr(kEvilEscaped));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
}

TEST(ReportHtmlTest, DeterministicRegardlessOfMapInsertionOrder) {
  scenario::v1::Report a = SampleReport();
  scenario::v1::Report b = SampleReport();
  b.mutable_environment()->clear();
  for (const char* k : {"transport", "host", "clock", "relay"}) {
    (*b.mutable_environment())[k] = a.environment().at(k);
  }
  EXPECT_EQ(ReportHtml(a), ReportHtml(b));
}

TEST(ReportHtmlTest, AgreementCensusShowsNeededDeclaredAndMissingPairs) {
  scenario::v1::Report report;
  scenario::v1::ScenarioResult* r = report.add_scenarios();
  *r = Small();
  EXPECT_THAT(ReportHtml(report), Not(HasSubstr("Provisioning agreements")));
  scenario::v1::AgreementCensus* c = r->mutable_agreements();
  c->set_vendors(2);
  c->set_needed_directed(2);
  c->set_needed_mutual(1);
  c->set_declared_directed(1);
  c->add_missing()->set_issuer("oem-b");
  c->mutable_missing(0)->set_redeemer("<oem-a>");
  const std::string html = ReportHtml(report);
  EXPECT_THAT(html, HasSubstr("Provisioning agreements (per-vendor formats)"));
  EXPECT_THAT(html, HasSubstr("<td class=\"num\">2</td><td class=\"num\">2</td>"
                              "<td class=\"num\">1</td><td class=\"num\">1</td>"
                              "<td>oem-b \u2192 &lt;oem-a&gt;</td>"));
}

}  // namespace
}  // namespace sct::scenarios
