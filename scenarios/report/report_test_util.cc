#include "scenarios/report/report_test_util.h"

namespace sct::scenarios::report_test {

int Count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

common::v1::TraceEvent* AddEvent(scenario::v1::ScenarioResult* r, const std::string& from,
                                 const std::string& to, const std::string& rpc,
                                 const std::string& code, const std::string& step) {
  common::v1::TraceEvent* e = r->add_trace();
  e->set_from(from);
  e->set_to(to);
  e->set_rpc(rpc);
  e->set_status_code(code);
  e->set_step_id(step);
  e->mutable_time()->set_seconds(1000 + r->trace_size());
  e->mutable_duration()->set_nanos(2000000);
  return e;
}

scenario::v1::ScenarioResult Small() {
  scenario::v1::ScenarioResult r;
  r.set_name("small");
  for (const char* a : {"alice-phone", "relay", "oem-a"}) r.add_actors(a);
  AddEvent(&r, "alice-phone", "relay", "relay.v1.Relay/ReadSecureContent");
  AddEvent(&r, "alice-phone", "relay", "relay.v1.Relay/ReadSecureContent");
  AddEvent(&r, "alice-phone", "relay", "relay.v1.Relay/ReadSecureContent");
  AddEvent(&r, "alice-phone", "relay", "relay.v1.Relay/ReadSecureContent", "NOT_FOUND")
      ->set_reason("mailbox_not_found");
  AddEvent(&r, "oem-a", "oem-a", "oem.v1.Oem/Housekeeping", "OK", "s2");
  return r;
}

}  // namespace sct::scenarios::report_test
