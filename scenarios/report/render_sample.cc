// Writes the sample report (scenarios/report/sample_report.h) to a directory:
// report.json, report.html and diagrams/*.svg, and prints the terminal summary.
//
// Usage: render_sample OUT_DIR [--hostile] [--color]
//   --hostile  adds a scenario whose names and labels are hostile markup
//              (for escaping tests).
#include <cstring>
#include <iostream>
#include <string>

#include "absl/status/status.h"
#include "proto/common/v1/audit.pb.h"
#include "scenarios/report/report.h"
#include "scenarios/report/sample_report.h"

int main(int argc, char** argv) {
  std::string out_dir;
  bool hostile = false;
  bool color = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--hostile") == 0) {
      hostile = true;
    } else if (std::strcmp(argv[i], "--color") == 0) {
      color = true;
    } else if (argv[i][0] == '-' || !out_dir.empty()) {
      std::cerr << "usage: render_sample OUT_DIR [--hostile] [--color]\n";
      return 2;
    } else {
      out_dir = argv[i];
    }
  }
  if (out_dir.empty()) {
    std::cerr << "usage: render_sample OUT_DIR [--hostile] [--color]\n";
    return 2;
  }
  scenario::v1::Report report = sct::scenarios::SampleReport();
  if (hostile) {
    scenario::v1::ScenarioResult r = sct::scenarios::SampleCarShare();
    const std::string evil = "<script>alert(1)</script>";
    r.set_name(evil + " & \"quotes\" 'too'");
    r.set_description(evil + " see https://evil.example/x");
    r.set_passed(false);
    r.set_first_failure("step " + evil + ": expected success, got \x1b[2J");
    auto* step = r.add_steps();
    step->set_step_id(evil);
    step->set_actor(evil);
    step->set_action("adversary_act");
    step->set_status(scenario::v1::FAILED);
    step->set_expected(evil);
    step->set_observed("\x1b[31m" + evil);
    r.add_actors(evil);
    auto* e = r.add_trace();
    e->set_from(evil);
    e->set_to("relay");
    e->set_rpc("HTTP GET /v1/m/<img src=x onerror=alert(2)>");
    e->set_status_code("NOT_FOUND");
    e->set_reason("]]><!-- \x01 -->");
    e->set_kind(common::v1::ADVERSARY);
    e->set_step_id(evil);
    auto* m = r.add_markers();
    m->set_label(evil);
    m->set_kind(common::v1::ADVERSARY);
    m->add_actors(evil);
    (*r.mutable_endpoints())[evil] = "https://evil.example/<b>";
    *report.add_scenarios() = r;
    report.set_failed(report.failed() + 1);  // the hostile scenario fails
  }
  const absl::Status status = sct::scenarios::WriteReport(report, out_dir);
  if (!status.ok()) {
    std::cerr << "render_sample: " << status << "\n";
    return 1;
  }
  std::cout << sct::scenarios::TerminalSummary(report, color);
  std::cout << "wrote " << out_dir << "/report.json, report.html, diagrams/\n";
  return 0;
}
