// Outbound unary calls from the device to its OEM, the relay, the channel
// server and access points: one per-call deadline, and gRPC statuses turned
// into absl::Status with the peer's stable reason kept.
//
// A transport failure (UNAVAILABLE or DEADLINE_EXCEEDED without a more
// specific reason from the peer) becomes UNAVAILABLE "<service>_unavailable",
// e.g. "relay_unavailable"; every other status passes through with its code
// and reason (common/status_mapping.h).
//
// Thread-safety: OutboundCaller is immutable and thread-safe; the stubs it
// calls are not owned and must be thread-safe (gRPC stubs are).
#ifndef SCT_DEVICE_OUTBOUND_CALL_H_
#define SCT_DEVICE_OUTBOUND_CALL_H_

#include <chrono>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace sct::device {

// gRPC status -> absl::Status, with transport failures named after `service`.
absl::Status TranslateRpcStatus(const grpc::Status& status, absl::string_view service);

class OutboundCaller {
 public:
  explicit OutboundCaller(absl::Duration timeout) : timeout_(timeout) {}

  // Calls `(stub->*method)(context, request, response)` with a fresh context
  // whose deadline is now + timeout, e.g.
  //   caller.Call("oem", oem, &Oem::StubInterface::GetChallenge, req, &resp);
  template <typename Stub, typename Request, typename Response>
  absl::Status Call(absl::string_view service, Stub* stub,
                    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const std::common_type_t<Request>& request, Response* response) const {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout_));
    return TranslateRpcStatus((stub->*method)(&context, request, response), service);
  }

  absl::Duration timeout() const { return timeout_; }

 private:
  absl::Duration timeout_;
};

}  // namespace sct::device

#endif  // SCT_DEVICE_OUTBOUND_CALL_H_
