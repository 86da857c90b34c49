#include "runtime/fuzz/grpc_fuzz_harness.h"

#include <cstdio>
#include <cstdlib>
#include <future>
#include <regex>
#include <utility>

#include "absl/strings/str_replace.h"
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

// The unary methods of service `service_name`, in proto order, from the
// generated descriptor pool.
void AddUnaryMethods(const std::string& service_name, std::vector<std::string>* out) {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service_name);
  if (service == nullptr) {
    std::fprintf(stderr, "grpc fuzz harness: no descriptor for %s\n", service_name.c_str());
    std::abort();
  }
  for (int i = 0; i < service->method_count(); ++i) {
    const google::protobuf::MethodDescriptor* m = service->method(i);
    if (m->client_streaming() || m->server_streaming()) continue;
    out->push_back("/" + service->full_name() + "/" + m->name());
  }
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
  for (const Served& s : services) AddUnaryMethods(s.name, &methods_);
  if (methods_.empty()) std::abort();
}

GrpcFuzzHarness::~GrpcFuzzHarness() { server_->Shutdown(); }

grpc::Status GrpcFuzzHarness::Call(const std::string& method, const std::string& request,
                                   std::string* response) {
  grpc::Slice slice(request);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  grpc::ClientContext context;
  std::promise<grpc::Status> done;
  stub_->UnaryCall(&context, method, grpc::StubOptions(), &request_buffer, &response_buffer,
                   [&done](grpc::Status status) { done.set_value(std::move(status)); });
  grpc::Status status = done.get_future().get();
  *response = ToString(response_buffer);
  return status;
}

std::string GrpcFuzzHarness::CheckedCall(uint8_t selector, const std::string& request,
                                         std::string* error_message) {
  const std::string& method = methods_[selector % methods_.size()];
  std::string response;
  grpc::Status status = Call(method, request, &response);
  if (std::getenv("SCT_FUZZ_VERBOSE") != nullptr) {
    std::fprintf(stderr, "%s -> %d %s\n", method.c_str(), status.error_code(),
                 status.error_message().c_str());
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
    std::string request = absl::StrReplaceAll(in.Field(), {{kIdPlaceholder, last_id}});
    std::string error;
    std::string answer = CheckedCall(selector, request, &error) + " " + error;
    std::smatch m;
    if (std::regex_search(answer, m, *uuid)) last_id = m.str();
  }
}

}  // namespace sct::fuzz
