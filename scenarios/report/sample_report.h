// A realistic, fixed sample scenario.v1.Report for docs, eyeballing and
// tests of the renderers: a cross-platform car share through the relay with
// two OEMs, the authority, the car, an OEM outage (fault) and a link
// interceptor (adversary), plus a failing revocation scenario.
//
// Pure functions; deterministic (fixed timestamps); thread-safe.
#ifndef SCT_SCENARIOS_REPORT_SAMPLE_REPORT_H_
#define SCT_SCENARIOS_REPORT_SAMPLE_REPORT_H_

#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios {

// Passing scenario "car-share-cross-platform-intercepted": alice-phone (oem-a)
// shares car-1 with bob-phone (oem-b) over SMS; eve taps the SMS channel and
// fetches the preview; oem-b is out for the first provisioning attempts;
// alice's wallet polls the relay; revocation reaches the car.
scenario::v1::ScenarioResult SampleCarShare();

// Failing scenario "revocation-after-relay-restart": the car still grants
// after the revoke (first failing step "unlock-after-revoke"), a later step
// is skipped, a timing assertion is exceeded and the relay learned a PIN.
scenario::v1::ScenarioResult SampleFailingRevocation();

// Suite "sample" with both scenarios, environment and totals.
scenario::v1::Report SampleReport();

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_REPORT_SAMPLE_REPORT_H_
