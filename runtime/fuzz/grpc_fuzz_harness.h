// GrpcFuzzHarness: feeds fuzz inputs to a service's gRPC face as a network
// client would send them — raw request bytes, parsed by gRPC into the
// request message, handled by the service's real adapter (decode, validate,
// logic with fakes, encode) — without a port: the services are registered on
// an in-process server and called through its in-process channel with a
// generic stub.
//
// Input format (RunInput): up to kMaxCalls calls, each a selector byte (the
// method: its index among the unary methods of the registered services, in
// proto order, modulo their number) and a FuzzInput field (the serialized
// request). kIdPlaceholder in a request is replaced by the last UUID seen in
// an answer, so a sequence (create, then read what was created) reaches
// stored state. A finding is a crash, a sanitizer report, or an answer with
// code UNKNOWN (an escaped exception or an unmapped error).
//
// Not thread-safe: one harness per fuzz process, used from the fuzzer's
// thread. Borrows the services, which must outlive it.
#ifndef SCT_RUNTIME_FUZZ_GRPC_FUZZ_HARNESS_H_
#define SCT_RUNTIME_FUZZ_GRPC_FUZZ_HARNESS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

namespace sct::fuzz {

// A valid UUID that requests in seed corpora use where an id from an earlier
// answer belongs (same length as any UUID, so the proto encoding holds).
inline constexpr absl::string_view kIdPlaceholder = "5eed0000-0000-4000-8000-000000000000";

class GrpcFuzzHarness {
 public:
  static constexpr size_t kMaxCalls = 8;

  // A service to serve and its full proto name (the generated class's
  // service_full_name(), e.g. "relay.v1.Relay").
  struct Served {
    grpc::Service* service;
    std::string name;
  };
  explicit GrpcFuzzHarness(const std::vector<Served>& services);
  ~GrpcFuzzHarness();

  // "/package.Service/Method" of every unary method, in the selector's order.
  const std::vector<std::string>& methods() const { return methods_; }

  // One call with raw request bytes; `response` gets the raw answer.
  grpc::Status Call(const std::string& method, const std::string& request, std::string* response);

  // Calls methods()[selector % methods().size()] with `request` (the id
  // placeholder already replaced); aborts on a finding. Returns the response
  // bytes (empty on an error) and sets `error_message` when given.
  std::string CheckedCall(uint8_t selector, const std::string& request,
                          std::string* error_message = nullptr);

  // Runs one fuzz input (see the file comment); aborts on a finding.
  void RunInput(const uint8_t* data, size_t size);

 private:
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
  std::vector<std::string> methods_;
};

}  // namespace sct::fuzz

#endif  // SCT_RUNTIME_FUZZ_GRPC_FUZZ_HARNESS_H_
