#include "sim/client_side.h"

#include <chrono>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_mapping.h"
#include "runtime/source_address.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/client_interceptor.h"

namespace sct::sim {

void RecordLinkFault(SimState* state, const std::string& peer, const std::string& rpc,
                     const std::string& step, const std::string& summary,
                     const absl::Status& status) {
  ::common::v1::TraceEvent e;
  e.set_from(state->actor_id());
  e.set_to(peer);
  e.set_rpc(rpc);
  e.set_summary(summary);
  ToProto(state->clock().Now(), e.mutable_time());
  ToProto(absl::ZeroDuration(), e.mutable_duration());
  e.set_status_code(absl::StatusCodeToString(status.code()));
  if (!status.ok()) e.set_reason(ReasonOf(status));
  e.set_kind(::common::v1::FAULT);
  e.set_step_id(step);
  state->recorder().RecordEvent(std::move(e));
}

absl::Status SimulatedDropStatus(const std::string& peer) {
  return MakeError(absl::StatusCode::kUnavailable, "simulated_drop",
                   absl::StrCat("call to ", peer, " dropped by an injected link fault"));
}

namespace {

using grpc::experimental::ClientRpcInfo;
using grpc::experimental::InterceptionHookPoints;

class FaultInterceptor : public grpc::experimental::Interceptor {
 public:
  FaultInterceptor(SimState* state, ClientRpcInfo* info, std::string peer, std::string target,
                   std::shared_ptr<grpc::Channel> plain)
      : state_(state),
        info_(info),
        peer_(std::move(peer)),
        target_(std::move(target)),
        plain_(std::move(plain)) {
    absl::string_view m = info->method() != nullptr ? info->method() : "";
    method_ = std::string(m);
    absl::ConsumePrefix(&m, "/");
    rpc_ = std::string(m);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    // gRPC runs this hook on the thread that called TryCancel, while the call's
    // own hooks may be running on another: it must touch none of this
    // interceptor's state (TSan found the race: an access point's shutdown
    // cancelling its revocation watch).
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_CANCEL)) {
      methods->Proceed();
      return;
    }
    const bool unary = info_->type() == ClientRpcInfo::Type::UNARY;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      step_ = state_->CurrentStep();
      auto* md = methods->GetSendInitialMetadata();
      md->emplace(kActorMetadata, state_->actor_id());
      if (!step_.empty()) md->emplace(kStepMetadata, step_);
      const FaultDecision d = state_->DecideFault(peer_, target_);
      if (d.delay > absl::ZeroDuration()) {
        RecordLinkFault(state_, peer_, rpc_, step_,
                    absl::StrCat("delayed ", absl::FormatDuration(d.delay)), absl::OkStatus());
        absl::SleepFor(d.delay);  // injected latency, by request of the engine
      }
      if (d.drop) {
        const absl::Status drop = SimulatedDropStatus(peer_);
        RecordLinkFault(state_, peer_, rpc_, step_, "dropped before sending", drop);
        if (unary) {
          hijacked_ = true;
          methods->Hijack();
          return;
        }
        info_->client_context()->TryCancel();
      }
      duplicate_ = d.duplicate && unary;
    }
    if (hijacked_) {
      if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_RECV_MESSAGE)) {
        methods->FailHijackedRecvMessage();
      }
      if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_RECV_STATUS)) {
        *methods->GetRecvStatus() = ToGrpcStatus(SimulatedDropStatus(peer_));
      }
      methods->Proceed();
      return;
    }
    if (duplicate_ &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      duplicate_ = false;
      if (grpc::ByteBuffer* buffer = methods->GetSerializedSendMessage(); buffer != nullptr) {
        SendDuplicate(*buffer);
      }
    }
    methods->Proceed();
  }

 private:
  void SendDuplicate(const grpc::ByteBuffer& request) {
    grpc::GenericStub stub(plain_);
    grpc::ClientContext ctx;
    ctx.AddMetadata(kActorMetadata, state_->actor_id());
    if (!step_.empty()) ctx.AddMetadata(kStepMetadata, step_);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::CompletionQueue cq;
    std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
        stub.PrepareUnaryCall(&ctx, method_, request, &cq);
    call->StartCall();
    grpc::ByteBuffer response;
    grpc::Status status;
    call->Finish(&response, &status, reinterpret_cast<void*>(1));
    void* tag = nullptr;
    bool ok = false;
    cq.Next(&tag, &ok);
    cq.Shutdown();
    while (cq.Next(&tag, &ok)) {
    }
    const absl::Status s = FromGrpcStatus(status);
    RecordLinkFault(state_, peer_, rpc_, step_,
                absl::StrCat("duplicated; the duplicate answered ", absl::StatusCodeToString(s.code())),
                absl::OkStatus());
  }

  SimState* const state_;
  ClientRpcInfo* const info_;
  const std::string peer_;
  const std::string target_;
  const std::shared_ptr<grpc::Channel> plain_;
  std::string method_;
  std::string rpc_;
  std::string step_;
  bool hijacked_ = false;
  bool duplicate_ = false;
};

class FaultInterceptorFactory : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  FaultInterceptorFactory(SimState* state, std::string peer, std::string target,
                          std::shared_ptr<grpc::Channel> plain)
      : state_(state), peer_(std::move(peer)), target_(std::move(target)), plain_(std::move(plain)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(ClientRpcInfo* info) override {
    return new FaultInterceptor(state_, info, peer_, target_, plain_);
  }

 private:
  SimState* const state_;
  const std::string peer_;
  const std::string target_;
  const std::shared_ptr<grpc::Channel> plain_;
};

}  // namespace

std::shared_ptr<grpc::Channel> Channel(const std::string& target,
                                       std::shared_ptr<grpc::ChannelCredentials> credentials,
                                       const std::string& peer_name, SimState* state,
                                       const grpc::ChannelArguments& given_args) {
  grpc::ChannelArguments args = given_args;
  BindClientConnections(SourceAddressFor(TargetHost(target)), &args);
  if (state == nullptr) return grpc::CreateCustomChannel(target, credentials, args);
  std::shared_ptr<grpc::Channel> plain = grpc::CreateCustomChannel(target, credentials, args);
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> creators;
  creators.push_back(std::make_unique<FaultInterceptorFactory>(
      state, peer_name.empty() ? target : peer_name, target, plain));
  return grpc::experimental::CreateCustomChannelWithInterceptors(target, credentials, args,
                                                                 std::move(creators));
}

}  // namespace sct::sim
