#include "runtime/fuzz/grpc_fuzz_harness.h"

#include <cstdio>
#include <cstdlib>
#include <regex>
#include <utility>

#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "common/fuzz/fuzz_input.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/stubs/logging.h"
#include "grpcpp/support/byte_buffer.h"

namespace sct::fuzz {
namespace {

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const grpc::Slice& s : slices)
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

// The methods of service `service_name` that are unary (streaming = false)
// or server-streaming only (streaming = true), in proto order, from the
// generated descriptor pool.
void AddMethods(const std::string& service_name, bool streaming, std::vector<std::string>* out) {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service_name);
  if (service == nullptr) {
    std::fprintf(stderr, "grpc fuzz harness: no descriptor for %s\n", service_name.c_str());
    std::abort();
  }
  for (int i = 0; i < service->method_count(); ++i) {
    const google::protobuf::MethodDescriptor* m = service->method(i);
    if (m->client_streaming() || m->server_streaming() != streaming) continue;
    out->push_back("/" + service->full_name() + "/" + m->name());
  }
}

// Waits for the completion of the one operation outstanding on `cq`; aborts
// when it does not come by `limit` (the stream hangs) or another one comes.
bool Await(grpc::CompletionQueue* cq, void* tag, std::chrono::system_clock::time_point limit,
           const std::string& method) {
  void* got = nullptr;
  bool ok = false;
  if (cq->AsyncNext(&got, &ok, limit) != grpc::CompletionQueue::GOT_EVENT || got != tag) {
    std::fprintf(stderr, "%s: the stream did not end by its deadline\n", method.c_str());
    std::abort();
  }
  return ok;
}

}  // namespace

GrpcFuzzHarness::GrpcFuzzHarness(const std::vector<Served>& services) {
  // Fuzzed strings are mostly not UTF-8; protobuf would log each one.
  google::protobuf::SetLogHandler(nullptr);
  grpc::ServerBuilder builder;
  for (const Served& s : services) builder.RegisterService(s.service);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr) std::abort();
  channel_ = server_->InProcessChannel(grpc::ChannelArguments());
  stub_ = std::make_unique<grpc::GenericStub>(channel_);
  for (const Served& s : services) AddMethods(s.name, false, &methods_);
  unary_count_ = methods_.size();
  for (const Served& s : services) AddMethods(s.name, true, &methods_);
  if (methods_.empty()) std::abort();
}

// Streams the client gave up on end within their services' poll interval; the
// deadline cancels any that did not.
GrpcFuzzHarness::~GrpcFuzzHarness() {
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
}

grpc::Status GrpcFuzzHarness::Call(const std::string& method, const std::string& request,
                                   std::string* response) {
  grpc::Slice slice(request);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  grpc::ClientContext context;
  // The answer is handed over under an absl::Mutex, not a std::promise: the
  // sanitizer builds see an absl::Mutex (docs/sanitizers.md), while a future's
  // wait runs in the uninstrumented libstdc++, so under TSan every access after
  // it would "race" with the gRPC thread that answered.
  absl::Mutex mu;
  bool answered = false;
  grpc::Status status;
  stub_->UnaryCall(&context, method, grpc::StubOptions(), &request_buffer, &response_buffer,
                   [&](grpc::Status s) {
                     absl::MutexLock lock(&mu);
                     status = std::move(s);
                     answered = true;
                   });
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(&answered));
  }
  *response = ToString(response_buffer);
  return status;
}

grpc::Status GrpcFuzzHarness::Stream(const std::string& method, const std::string& request,
                                     std::vector<std::string>* messages) {
  const auto deadline = std::chrono::system_clock::now() + kStreamWindow;
  const auto limit = deadline + kHangLimit;
  grpc::ClientContext context;
  context.set_deadline(deadline);
  grpc::CompletionQueue cq;
  // A generic call is bidirectional on the client side; one message then the
  // half-close is what a server-streaming stub sends.
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub_->PrepareCall(&context, method, &cq);
  int start = 0, write = 0, read = 0, finish = 0;
  call->StartCall(&start);
  bool open = Await(&cq, &start, limit, method);
  if (open) {
    grpc::Slice slice(request);
    grpc::ByteBuffer request_buffer(&slice, 1);
    call->WriteLast(request_buffer, grpc::WriteOptions(), &write);
    open = Await(&cq, &write, limit, method);
  }
  while (open && messages->size() < kMaxStreamMessages) {
    grpc::ByteBuffer message;
    call->Read(&message, &read);
    open = Await(&cq, &read, limit, method);
    if (open) messages->push_back(ToString(message));
  }
  if (open) context.TryCancel();
  grpc::Status status;
  call->Finish(&status, &finish);
  Await(&cq, &finish, limit, method);
  cq.Shutdown();
  void* ignored_tag;
  bool ignored_ok;
  while (cq.Next(&ignored_tag, &ignored_ok)) {
  }
  return status;
}

std::string GrpcFuzzHarness::CheckedCall(uint8_t selector, const std::string& request,
                                         std::string* error_message) {
  const size_t index = selector % methods_.size();
  const std::string& method = methods_[index];
  std::string response;
  grpc::Status status;
  std::vector<std::string> messages;
  if (IsStreaming(index)) {
    status = Stream(method, request, &messages);
    for (const std::string& m : messages) response += m;
  } else {
    status = Call(method, request, &response);
  }
  if (std::getenv("SCT_FUZZ_VERBOSE") != nullptr) {
    std::fprintf(
        stderr, "%s -> %d %s%s\n", method.c_str(), status.error_code(),
        status.error_message().c_str(),
        IsStreaming(index) ? (" (" + std::to_string(messages.size()) + " messages)").c_str() : "");
  }
  if (status.error_code() == grpc::StatusCode::UNKNOWN) {
    std::fprintf(stderr, "%s answered UNKNOWN: %s\n", method.c_str(),
                 status.error_message().c_str());
    std::abort();
  }
  if (error_message != nullptr) *error_message = status.error_message();
  return response;
}

void GrpcFuzzHarness::RunInput(const uint8_t* data, size_t size) {
  static const std::regex* const uuid =
      new std::regex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  FuzzInput in(data, size);
  std::string last_id(kIdPlaceholder);
  for (size_t i = 0; i < kMaxCalls && !in.empty(); ++i) {
    uint8_t selector = in.Byte();
    std::string request = in.Field();
    for (const auto& [placeholder, value] : substitutions_) {
      request = absl::StrReplaceAll(request, {{placeholder, value}});
    }
    request = absl::StrReplaceAll(request, {{kIdPlaceholder, last_id}});
    if (filter_) filter_(methods_[selector % methods_.size()], &request);
    std::string error;
    std::string answer = CheckedCall(selector, request, &error) + " " + error;
    std::smatch m;
    if (std::regex_search(answer, m, *uuid)) last_id = m.str();
  }
}

}  // namespace sct::fuzz
