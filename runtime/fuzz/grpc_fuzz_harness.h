// GrpcFuzzHarness: feeds fuzz inputs to a service's gRPC face as a network
// client would send them — raw request bytes, parsed by gRPC into the
// request message, handled by the service's real adapter (decode, validate,
// logic with fakes, encode) — without a port: the services are registered on
// an in-process server and called through its in-process channel with a
// generic stub.
//
// Input format (RunInput): up to kMaxCalls calls, each a selector byte (the
// method: its index in methods() modulo their number) and a FuzzInput field
// (the serialized request). methods() lists the unary methods of the
// registered services in proto order, then their server-streaming methods in
// proto order, so adding streaming methods kept the unary selectors of
// earlier seeds. A unary call waits for its answer. A server-streaming call
// opens the stream, sends the request, reads at most kMaxStreamMessages
// messages within kStreamWindow (the call's deadline), then cancels it.
//
// Substitutions, applied to each request before it is sent: kIdPlaceholder
// becomes the last UUID seen in an answer (a unary response, its error
// message, or a streamed message), so a sequence (create, then read what was
// created) reaches stored state; a target may add fixed ones
// (set_substitutions) for values its world made, such as an enrolled
// device's token. A target may also rewrite a request it could not serve in
// bounded time (set_request_filter), e.g. cap a wait the request asks for.
//
// A finding is a crash, a sanitizer report, an answer with code UNKNOWN (an
// escaped exception or an unmapped error), or a stream still open
// kHangLimit after its deadline (the client side no longer answers).
//
// Not thread-safe: one harness per fuzz process, used from the fuzzer's
// thread. Borrows the services, which must outlive it.
#ifndef SCT_RUNTIME_FUZZ_GRPC_FUZZ_HARNESS_H_
#define SCT_RUNTIME_FUZZ_GRPC_FUZZ_HARNESS_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
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
  static constexpr size_t kMaxStreamMessages = 4;
  static constexpr std::chrono::milliseconds kStreamWindow{50};
  static constexpr std::chrono::seconds kHangLimit{10};

  // A service to serve and its full proto name (the generated class's
  // service_full_name(), e.g. "relay.v1.Relay").
  struct Served {
    grpc::Service* service;
    std::string name;
  };
  explicit GrpcFuzzHarness(const std::vector<Served>& services);
  GrpcFuzzHarness(grpc::Service* service, std::string name)
      : GrpcFuzzHarness(std::vector<Served>{{service, std::move(name)}}) {}
  ~GrpcFuzzHarness();

  // "/package.Service/Method" of every method, in the selector's order.
  const std::vector<std::string>& methods() const { return methods_; }
  // Whether methods()[index] is server-streaming.
  bool IsStreaming(size_t index) const { return index >= unary_count_; }

  // Fixed (placeholder, value) pairs replaced in every request of RunInput.
  void set_substitutions(std::vector<std::pair<std::string, std::string>> substitutions) {
    substitutions_ = std::move(substitutions);
  }

  // Called with the method and the request (after the substitutions) before
  // each call of RunInput; may rewrite the request.
  using RequestFilter = std::function<void(const std::string& method, std::string* request)>;
  void set_request_filter(RequestFilter filter) { filter_ = std::move(filter); }

  // One unary call with raw request bytes; `response` gets the raw answer.
  grpc::Status Call(const std::string& method, const std::string& request, std::string* response);

  // One server-streaming call with raw request bytes (see the file comment);
  // `messages` gets the raw messages read. Aborts when the stream hangs.
  grpc::Status Stream(const std::string& method, const std::string& request,
                      std::vector<std::string>* messages);

  // Calls or streams methods()[selector % methods().size()] with `request`
  // (substitutions already made); aborts on a finding. Returns the response
  // bytes, or the streamed messages concatenated (empty on an error), and
  // sets `error_message` when given.
  std::string CheckedCall(uint8_t selector, const std::string& request,
                          std::string* error_message = nullptr);

  // Runs one fuzz input (see the file comment); aborts on a finding.
  void RunInput(const uint8_t* data, size_t size);

 private:
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
  std::vector<std::string> methods_;
  size_t unary_count_ = 0;
  std::vector<std::pair<std::string, std::string>> substitutions_;
  RequestFilter filter_;
};

}  // namespace sct::fuzz

#endif  // SCT_RUNTIME_FUZZ_GRPC_FUZZ_HARNESS_H_
