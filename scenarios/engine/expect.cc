#include "scenarios/engine/expect.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "scenarios/engine/parse.h"
#include "scenarios/engine/time_scale.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
namespace apv1 = ::access_point::v1;

}  // namespace

Outcome Outcome::FromStatus(const absl::Status& status) {
  Outcome o;
  o.code = status.code();
  if (!status.ok()) {
    o.reason = ReasonOf(status);
    o.message = std::string(status.message());
  }
  return o;
}

std::string CodeName(absl::StatusCode code) {
  if (code == absl::StatusCode::kOk) return "OK";
  const std::string name =
      sv1::StatusCode_Name(static_cast<sv1::StatusCode>(static_cast<int>(code)));
  return name.empty() ? absl::StrCat("CODE_", static_cast<int>(code)) : name;
}

std::string DescribeExpectation(const sv1::Expectation& expect, bool is_use, double time_scale) {
  std::string s;
  switch (expect.outcome_case()) {
    case sv1::Expectation::kError:
      s = "error";
      if (expect.error().code() != sv1::ANY_ERROR_CODE) {
        absl::StrAppend(&s, " ", sv1::StatusCode_Name(expect.error().code()));
      }
      if (!expect.error().reason().empty()) {
        absl::StrAppend(&s, " ", expect.error().reason());
      }
      break;
    case sv1::Expectation::kAccess:
      s = absl::StrCat("access ", apv1::AuthReason_Name(expect.access()));
      break;
    default:
      s = is_use ? "access GRANTED" : "success";
  }
  if (!expect.max_duration().empty()) {
    absl::StrAppend(&s, " within ", expect.max_duration());
    absl::StatusOr<absl::Duration> max = ParseScenarioDuration(
        expect.max_duration(), "expect.max_duration", absl::ZeroDuration());
    if (time_scale > 1 && max.ok()) {
      absl::StrAppend(&s, " (x", time_scale, " time scale: ",
                      absl::FormatDuration(Scaled(*max, time_scale)), ")");
    }
  }
  return s;
}

std::string DescribeOutcome(const Outcome& o) {
  std::string s = CodeName(o.code);
  if (o.code == absl::StatusCode::kOk) {
    if (o.has_access) {
      absl::StrAppend(&s, ": access ", apv1::AuthReason_Name(o.access));
    }
    if (!o.message.empty()) absl::StrAppend(&s, " (", o.message, ")");
    return s;
  }
  if (!o.reason.empty()) absl::StrAppend(&s, " ", o.reason);
  if (!o.message.empty()) absl::StrAppend(&s, ": ", o.message);
  return s;
}

Judgement Judge(const sv1::Expectation& expect, bool is_use,
                const Outcome& o, double time_scale) {
  Judgement j;
  j.expected = DescribeExpectation(expect, is_use, time_scale);
  j.observed = DescribeOutcome(o);
  const bool ok = o.code == absl::StatusCode::kOk;
  switch (expect.outcome_case()) {
    case sv1::Expectation::kError: {
      const sv1::ErrorExpectation& e = expect.error();
      j.passed = !ok &&
                 (e.code() == sv1::ANY_ERROR_CODE ||
                  static_cast<int>(e.code()) == static_cast<int>(o.code)) &&
                 (e.reason().empty() || e.reason() == o.reason);
      break;
    }
    case sv1::Expectation::kAccess:
      j.passed = ok && o.has_access && o.access == expect.access();
      break;
    default:
      j.passed = ok && (!is_use || (o.has_access && o.access == apv1::GRANTED));
  }
  if (!expect.max_duration().empty()) {
    absl::StatusOr<absl::Duration> max = ParseScenarioDuration(
        expect.max_duration(), "expect.max_duration", absl::ZeroDuration());
    if (max.ok() && o.duration > Scaled(*max, time_scale)) {
      j.passed = false;
      absl::StrAppend(&j.observed, " after ", absl::FormatDuration(o.duration));
    }
  }
  return j;
}

bool ShouldRetry(const sv1::RetryPolicy& policy, int attempt,
                 const Outcome& outcome) {
  const int attempts = policy.attempts() == 0 ? 1 : policy.attempts();
  if (attempt >= attempts) return false;
  if (outcome.code == absl::StatusCode::kOk) return false;
  if (policy.on_size() == 0) return outcome.code == absl::StatusCode::kUnavailable;
  for (int code : policy.on()) {
    if (code == static_cast<int>(outcome.code)) return true;
  }
  return false;
}

absl::Duration RetryBackoff(const sv1::RetryPolicy& policy) {
  absl::StatusOr<absl::Duration> d =
      ParseScenarioDuration(policy.backoff(), "retry.backoff", absl::Seconds(1));
  return d.ok() ? *d : absl::Seconds(1);
}

}  // namespace sct::scenarios
