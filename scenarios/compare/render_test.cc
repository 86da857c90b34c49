// The matrix's renderings of one hand-made result: the HTML page (offline,
// escaped, cells coloured, differences highlighted, links), the chart, the
// terminal summary and the findings sentences.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "scenarios/compare/compare_html.h"
#include "scenarios/compare/compare_summary.h"
#include "scenarios/compare/findings.h"

namespace sct::scenarios::compare {
namespace {

namespace sv1 = ::scenario::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

sv1::CompareResult Result() {
  sv1::CompareResult r;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        variants { name: "reference" title: "Reference design" summary: "today" }
        variants { name: "relay-attestation" title: "Relay checks attestation" }
        variants { name: "ohttp" title: "Oblivious HTTP" }
        rows {
          scenario: "car-<b>"
          file: "a.textproto"
          cells {
            variant: "reference"
            outcome: COMPARE_PASSED
            duration { seconds: 3 }
            flow_latency { nanos: 400000000 }
            flow_span: "share -> use"
            report: "runs/reference/01-car/report.html"
          }
          cells {
            variant: "relay-attestation"
            outcome: COMPARE_PASSED
            duration { seconds: 3 }
            flow_latency { nanos: 600000000 }
            flow_span: "share -> use"
            audit_differences {
              actor: "relay"
              item: DEVICE_IDENTITY
              learned: true
              text: "relay: +DEVICE_IDENTITY"
            }
            report: "runs/relay-attestation/01-car/report.html"
          }
          cells {
            variant: "ohttp"
            outcome: COMPARE_NOT_APPLICABLE
            not_applicable_reasons: "topology.architecture.ohttp: this variant is not implemented yet"
          }
        }
        rows {
          scenario: "pin"
          file: "b.textproto"
          cells {
            variant: "reference"
            outcome: COMPARE_PASSED
            duration { seconds: 3 }
            flow_latency { nanos: 200000000 }
            flow_span: "share -> use"
          }
          cells {
            variant: "relay-attestation"
            outcome: COMPARE_FAILED
            duration { seconds: 3 }
            first_failure: "step accept: expected success, got PERMISSION_DENIED"
            variant_steps {
              step_id: "accept"
              expected: "success"
              default_expected: "error X"
              observed: "PERMISSION_DENIED"
            }
          }
          cells {
            variant: "ohttp"
            outcome: COMPARE_NOT_APPLICABLE
            not_applicable_reasons: "topology.architecture.ohttp: this variant is not implemented yet"
          }
        }
        passed: 3
        failed: 1
        not_applicable: 2
      )pb",
      &r));
  return r;
}

TEST(CompareHtml, OfflineEscapedColouredAndLinked) {
  const std::string h = CompareHtml(Result());
  EXPECT_THAT(h, Not(HasSubstr("<script")));
  EXPECT_THAT(h, Not(HasSubstr("<link")));  // nothing fetched
  EXPECT_THAT(h, Not(HasSubstr(" src=")));
  EXPECT_THAT(h, HasSubstr("car-&lt;b&gt;"));
  EXPECT_THAT(h, Not(HasSubstr("car-<b>")));
  EXPECT_THAT(h, HasSubstr("<td class=\"pass has-diff\">"));
  EXPECT_THAT(h, HasSubstr("<span class=\"diff\">relay: +DEVICE_IDENTITY</span>"));
  EXPECT_THAT(h, HasSubstr("<td class=\"fail\">"));
  EXPECT_THAT(h, HasSubstr("<td class=\"na\">"));
  EXPECT_THAT(h, HasSubstr("href=\"runs/relay-attestation/01-car/report.html\""));
  EXPECT_THAT(h, HasSubstr("<svg"));
  EXPECT_THAT(h, HasSubstr("reference (baseline)"));
}

TEST(VariantChartSvg, OneBarPerVariantWithItsMedianLatency) {
  const std::string svg = VariantChartSvg(Result());
  EXPECT_THAT(svg, HasSubstr(">2/0/0<"));
  EXPECT_THAT(svg, HasSubstr(">1/1/0<"));
  EXPECT_THAT(svg, HasSubstr(">0/0/2<"));
  EXPECT_THAT(svg, HasSubstr(">400ms<"));  // median of 200ms and 400ms (upper)
  EXPECT_THAT(svg, HasSubstr(">600ms<"));
}

TEST(CompareSummary, OneLinePerScenarioThenReasonsFailuresAndTotals) {
  const std::string s = CompareSummary(Result());
  EXPECT_THAT(s, HasSubstr("reference"));
  EXPECT_THAT(s, HasSubstr("pass 400ms"));
  EXPECT_THAT(s, HasSubstr("pass 600ms +1"));
  EXPECT_THAT(s, HasSubstr("FAIL"));
  EXPECT_THAT(s, HasSubstr("n/a"));
  EXPECT_THAT(s, HasSubstr("  car-<b> under relay-attestation: relay: +DEVICE_IDENTITY\n"));
  EXPECT_THAT(s, HasSubstr("  ohttp: topology.architecture.ohttp: this variant is not "
                           "implemented yet\n"));
  EXPECT_THAT(s, HasSubstr("  pin under relay-attestation: step accept: expected success"));
  EXPECT_THAT(s, HasSubstr("6 cells: 3 passed, 1 failed, 2 not applicable\n"));
}

TEST(Findings, SentencesFromTheMatrixOnly) {
  EXPECT_THAT(
      Findings(Result()),
      ElementsAre("reference: 2 of 2 scenarios passed, 0 failed, 0 not applicable.",
                  "relay-attestation: 1 of 2 scenarios passed, 1 failed, 0 not applicable.",
                  "ohttp: 0 of 2 scenarios passed, 0 failed, 2 not applicable (every one: "
                  "topology.architecture.ohttp: this variant is not implemented yet).",
                  "Under relay-attestation against reference, relay: +DEVICE_IDENTITY in 1 of 2 "
                  "scenarios run under both (car-<b>).",
                  "Median share -> use latency over the 1 scenarios both passed: reference 400 ms, "
                  "relay-attestation 600 ms (+50%).",
                  "Under relay-attestation, pin step accept expects success instead of error X; "
                  "observed PERMISSION_DENIED (did not match).",
                  "Under relay-attestation, pin FAILED: step accept: expected success, got "
                  "PERMISSION_DENIED"));
}

TEST(Findings, AnIncompleteMatrixSaysSo) {
  sv1::CompareResult r = Result();
  r.mutable_rows(1)->mutable_cells()->RemoveLast();
  EXPECT_THAT(Findings(r), ElementsAre("The matrix is incomplete: pin has 2 cells for 3 "
                                       "variants."));
}

}  // namespace
}  // namespace sct::scenarios::compare
