#include "relay/derived/derived_relay_service.h"

#include <arpa/inet.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/derived_location.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace sct::relay::derived {
namespace {

constexpr size_t kMaxMessageLimit = 16 * 1024 * 1024;

}  // namespace

absl::Status CheckLimits(const DerivedRelayLimits& limits) {
  if (limits.ttl <= absl::ZeroDuration() || limits.ttl > absl::Hours(24 * 30)) {
    return InvalidField("ttl", "must be positive and at most 720h");
  }
  if (limits.max_message_bytes < 1 || limits.max_message_bytes > kMaxMessageLimit) {
    return InvalidField("max_message_bytes", "must be 1..16777216");
  }
  if (limits.rate_window <= absl::ZeroDuration()) {
    return InvalidField("rate_window", "must be positive");
  }
  for (const std::string& address : limits.in_range) {
    in_addr parsed;
    if (inet_pton(AF_INET, address.c_str(), &parsed) != 1) {
      return InvalidField("in_range", absl::StrCat("\"", address, "\" is not an IPv4 address"));
    }
  }
  return absl::OkStatus();
}

DerivedRelayService::DerivedRelayService(DerivedStore* store, const Clock* clock,
                                         DerivedRelayLimits limits)
    : store_(store),
      clock_(clock),
      limits_(limits),
      failed_lookups_(clock, limits.failed_lookups_per_window, limits.rate_window) {}

absl::Status DerivedRelayService::Put(absl::string_view location, std::string message,
                                      const std::string& client) {
  RETURN_IF_ERROR(CheckInRange(client));
  ASSIGN_OR_RETURN(std::string canonical, ParseDerivedLocation(location));
  if (message.empty()) return InvalidField("message", "must not be empty");
  if (message.size() > limits_.max_message_bytes) {
    return MakeError(
        absl::StatusCode::kResourceExhausted, "payload_too_large",
        absl::StrCat("message: ", message.size(), " bytes, at most ", limits_.max_message_bytes));
  }
  const absl::Time now = clock_->Now();
  return store_->Put(canonical, DerivedMessage{std::move(message), now, now + limits_.ttl}, now);
}

absl::StatusOr<std::string> DerivedRelayService::Get(absl::string_view location,
                                                     const std::string& client) {
  RETURN_IF_ERROR(CheckInRange(client));
  ASSIGN_OR_RETURN(std::string canonical, ParseDerivedLocation(location));
  RETURN_IF_ERROR(CheckLookupBudget(client));
  absl::StatusOr<DerivedMessage> message = store_->Get(canonical, clock_->Now());
  if (!message.ok()) return CountFailure(message.status(), client);
  return std::move(message->body);
}

absl::Status DerivedRelayService::Delete(absl::string_view location, const std::string& client) {
  RETURN_IF_ERROR(CheckInRange(client));
  ASSIGN_OR_RETURN(std::string canonical, ParseDerivedLocation(location));
  RETURN_IF_ERROR(CheckLookupBudget(client));
  absl::Status deleted = store_->Delete(canonical, clock_->Now());
  return deleted.ok() ? deleted : CountFailure(deleted, client);
}

absl::StatusOr<int64_t> DerivedRelayService::SweepExpired() {
  return store_->SweepExpired(clock_->Now());
}

absl::Status DerivedRelayService::CheckInRange(const std::string& client) const {
  if (limits_.in_range.empty() || limits_.in_range.count(client) > 0) return absl::OkStatus();
  return MakeError(absl::StatusCode::kUnavailable, "peer_out_of_range",
                   "the proximity link reaches only the devices in range; this one is not");
}

absl::Status DerivedRelayService::CheckLookupBudget(const std::string& client) {
  if (!failed_lookups_.Exhausted(client)) return absl::OkStatus();
  return MakeError(absl::StatusCode::kResourceExhausted, "rate_limited",
                   absl::StrCat("too many lookups of empty locations; retry in ",
                                absl::FormatDuration(failed_lookups_.RetryAfter(client))));
}

absl::Status DerivedRelayService::CountFailure(const absl::Status& status,
                                               const std::string& client) {
  if (status.code() == absl::StatusCode::kNotFound) failed_lookups_.Record(client);
  return status;
}

}  // namespace sct::relay::derived
