#include "sim/server_side.h"

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "sim/knowledge.h"
#include "common/proto_time.h"
#include "common/status_mapping.h"
#include "google/protobuf/message.h"
#include "grpcpp/impl/rpc_service_method.h"
#include "grpcpp/impl/service_type.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/support/method_handler.h"
#include "proto/common/v1/audit.pb.h"
#include "runtime/peer_identity.h"

namespace sct::sim {
namespace {

using grpc::experimental::InterceptionHookPoints;

std::string ToString(grpc::string_ref s) { return std::string(s.data(), s.size()); }

class TraceInterceptor : public grpc::experimental::Interceptor {
 public:
  TraceInterceptor(SimState* state, grpc::experimental::ServerRpcInfo* info, std::string rpc)
      : state_(state), info_(info), rpc_(std::move(rpc)) {}

  ~TraceInterceptor() override {
    // A call that ended without a status (client cancelled) is still traced.
    if (!recorded_ && started_) Record(grpc::Status(grpc::StatusCode::CANCELLED, ""));
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      OnMetadata(methods->GetRecvInitialMetadata());
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE)) {
      if (void* m = methods->GetRecvMessage(); m != nullptr) {
        const auto* message = static_cast<const google::protobuf::Message*>(m);
        ++requests_;
        request_bytes_ += message->ByteSizeLong();
        if (!state_->InOutage()) {
          ObserveMessage(&state_->recorder(), *message, rpc_, &together_);
        }
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      ++responses_;
      if (const void* m = methods->GetSendMessage(); m != nullptr) {
        const auto* message = static_cast<const google::protobuf::Message*>(m);
        response_bytes_ += message->ByteSizeLong();
        ObserveMessage(&state_->recorder(), *message, rpc_, &together_);
      } else if (grpc::ByteBuffer* b = methods->GetSerializedSendMessage(); b != nullptr) {
        response_bytes_ += b->Length();
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      Record(methods->GetSendStatus());
      state_->SetThreadStep("");
    }
    methods->Proceed();
  }

 private:
  void OnMetadata(std::multimap<grpc::string_ref, grpc::string_ref>* md) {
    started_ = true;
    start_ = state_->clock().Now();
    start_real_ = absl::Now();
    if (md != nullptr) {
      for (const auto& [k, v] : *md) {
        if (k == kActorMetadata) from_ = ToString(v);
        if (k == kStepMetadata) step_ = ToString(v);
      }
    }
    const std::string certified =
        info_->server_context() != nullptr ? PeerCommonName(*info_->server_context()) : "";
    self_declared_ = !from_.empty() && from_ != certified;
    if (from_.empty()) from_ = certified;
    if (from_.empty()) from_ = "unknown";
    state_->SetThreadStep(step_);
    if (info_->server_context() != nullptr && !state_->InOutage()) {
      state_->recorder().Observe(::common::v1::CLIENT_ADDRESS,
                                 ClientAddressOf(info_->server_context()->peer()), rpc_,
                                 &together_);
    }
  }

  void Record(const grpc::Status& status) {
    recorded_ = true;
    state_->recorder().ObserveTogether(together_, rpc_);
    together_.clear();
    ::common::v1::TraceEvent e;
    e.set_from(from_);
    e.set_actor_self_declared(self_declared_);
    e.set_to(state_->actor_id());
    e.set_rpc(rpc_);
    const absl::string_view method = absl::string_view(rpc_).substr(rpc_.find('/') + 1);
    e.set_summary(absl::StrCat(method, " request ", requests_, " msg ", request_bytes_,
                               " B, response ", responses_, " msg ", response_bytes_, " B"));
    ToProto(started_ ? start_ : state_->clock().Now(), e.mutable_time());
    ToProto(started_ ? absl::Now() - start_real_ : absl::ZeroDuration(), e.mutable_duration());
    const absl::Status s = FromGrpcStatus(status);
    e.set_status_code(absl::StatusCodeToString(s.code()));
    if (!s.ok()) e.set_reason(ReasonOf(s));
    e.set_kind(KindOf(rpc_));
    e.set_step_id(step_);
    state_->recorder().RecordEvent(std::move(e));
  }

  SimState* const state_;
  grpc::experimental::ServerRpcInfo* const info_;
  const std::string rpc_;
  bool started_ = false;
  bool recorded_ = false;
  absl::Time start_;
  absl::Time start_real_;
  std::string from_;
  bool self_declared_ = false;
  std::string step_;
  std::set<std::string> together_;  // fingerprints of this call's values
  uint64_t requests_ = 0, responses_ = 0, request_bytes_ = 0, response_bytes_ = 0;
};

// ---- outage gate ----

// Access to two private members of gRPC 1.51 through explicit template
// instantiation (which is exempt from access checking, [temp.explicit]).
template <typename Tag, typename Tag::type kMember>
struct PrivateAccess {
  friend typename Tag::type Get(Tag) { return kMember; }
};
struct ServiceMethodsTag {
  using type = std::vector<std::unique_ptr<grpc::internal::RpcServiceMethod>> grpc::Service::*;
  friend type Get(ServiceMethodsTag);
};
struct MethodHandlerTag {
  using type = std::unique_ptr<grpc::internal::MethodHandler> grpc::internal::RpcServiceMethod::*;
  friend type Get(MethodHandlerTag);
};
template struct PrivateAccess<ServiceMethodsTag, &grpc::Service::methods_>;
template struct PrivateAccess<MethodHandlerTag, &grpc::internal::RpcServiceMethod::handler_>;

class OutageHandler : public grpc::internal::MethodHandler {
 public:
  OutageHandler(std::unique_ptr<grpc::internal::MethodHandler> inner, SimState* state)
      : inner_(std::move(inner)), state_(state) {}

  void RunHandler(const HandlerParameter& param) override {
    if (!state_->InOutage()) {
      inner_->RunHandler(param);
      return;
    }
    // What the generated handler would do with the request it never uses.
    if (param.request != nullptr) {
      static_cast<google::protobuf::MessageLite*>(param.request)->~MessageLite();
    }
    // gRPC's own unary epilogue: initial metadata and the status, no message
    // (the status is not OK). Valid for every method type.
    grpc::Status status = ToGrpcStatus(OutageStatus(*state_));
    ::common::v1::ResetAuditResponse unused;
    grpc::internal::UnaryRunHandlerHelper(param, &unused,
                                          status);
  }

  void* Deserialize(grpc_call* call, grpc_byte_buffer* req, grpc::Status* status,
                    void** handler_data) override {
    return inner_->Deserialize(call, req, status, handler_data);
  }

 private:
  const std::unique_ptr<grpc::internal::MethodHandler> inner_;
  SimState* const state_;
};

}  // namespace

absl::Status OutageStatus(const SimState& state) {
  if (!state.InOutage()) return absl::OkStatus();
  return MakeError(absl::StatusCode::kUnavailable, "simulated_outage",
                   absl::StrCat(state.actor_id(), ": simulated outage"));
}

bool IsInfrastructureRpc(absl::string_view rpc) {
  absl::ConsumePrefix(&rpc, "/");
  return absl::StartsWith(rpc, "common.v1.Audit/") ||
         absl::StartsWith(rpc, "common.v1.SimControl/") || absl::StartsWith(rpc, "grpc.health.") ||
         absl::StartsWith(rpc, "grpc.reflection.");
}

::common::v1::TraceKind KindOf(absl::string_view rpc) {
  absl::ConsumePrefix(&rpc, "/");
  if (rpc == "oem.v1.Oem/Notify" || rpc == "oem.v1.Oem/SubscribeNotifications") {
    return ::common::v1::PUSH;
  }
  if (absl::StartsWith(rpc, "channel.v1.Channel/")) return ::common::v1::CHANNEL;
  return ::common::v1::TRACE_KIND_UNSPECIFIED;
}

grpc::experimental::Interceptor* TraceInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  absl::string_view rpc = info->method() != nullptr ? info->method() : "";
  if (rpc.empty() || IsInfrastructureRpc(rpc)) return nullptr;
  absl::ConsumePrefix(&rpc, "/");
  return new TraceInterceptor(state_, info, std::string(rpc));
}

absl::Status InstallOutageGate(grpc::Service* service, SimState* state) {
  if (service == nullptr) return InvalidField("service", "null");
  if (state == nullptr) return InvalidField("state", "null");
  auto& methods = service->*Get(ServiceMethodsTag());
  for (auto& method : methods) {
    if (method == nullptr ||
        method->api_type() != grpc::internal::RpcServiceMethod::ApiType::SYNC) {
      continue;
    }
    auto& handler = (*method).*Get(MethodHandlerTag());
    if (handler == nullptr) continue;
    std::unique_ptr<grpc::internal::MethodHandler> inner = std::move(handler);
    handler = std::make_unique<OutageHandler>(std::move(inner), state);
  }
  return absl::OkStatus();
}

}  // namespace sct::sim
