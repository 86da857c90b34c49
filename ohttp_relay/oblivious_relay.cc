#include "ohttp_relay/oblivious_relay.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_mapping.h"
#include "crypto/ohttp.h"

namespace sct::ohttp_relay {

RelayAnswer ObliviousRelay::Handle(absl::string_view client_address,
                                   absl::string_view encapsulated) {
  if (!limiter_.TryAcquire(client_address)) {
    const int64_t seconds =
        std::max<int64_t>(1, absl::ToInt64Seconds(limiter_.RetryAfter(client_address)) + 1);
    const absl::Status limited = MakeError(absl::StatusCode::kResourceExhausted, "rate_limited",
                                           "too many requests from this address; retry later");
    return RelayAnswer{429, "application/json", ToHttpErrorBody(limited), absl::StrCat(seconds)};
  }
  ForwardRequest out;
  out.method = "POST";
  out.headers = {{"Content-Type", crypto::ohttp::kRequestMediaType}};
  out.body = std::string(encapsulated);
  absl::StatusOr<ForwardResponse> answer = gateway_->Send(out);
  if (!answer.ok()) {
    return RelayAnswer{502, "application/json", ToHttpErrorBody(answer.status()), ""};
  }
  RelayAnswer in{answer->status, "", std::move(answer->body), ""};
  for (const auto& [name, value] : answer->headers) {
    if (absl::EqualsIgnoreCase(name, "Content-Type")) in.content_type = value;
  }
  return in;
}

}  // namespace sct::ohttp_relay
