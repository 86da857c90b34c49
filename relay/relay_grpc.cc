#include "relay/relay_grpc.h"

#include <chrono>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "common/rfc3339.h"
#include "common/status_macros.h"
#include "common/status_mapping.h"
#include "runtime/deferred_durability.h"

namespace sct::relay {
namespace {

namespace pb = ::relay::v1;

CallContext ContextOf(const grpc::ServerContextBase* context) {
  CallContext ctx;
  ctx.client_address = ClientAddressFromGrpcPeer(context->peer());
  ctx.face = Face::kGrpc;
  return ctx;
}

absl::StatusOr<Payload> DecodePayload(bool present, const pb::Payload& p) {
  if (!present) return InvalidField("payload", "missing");
  return Payload{p.type(), p.data()};
}

std::optional<NotificationToken> DecodeToken(bool present, const pb::NotificationToken& t) {
  if (!present) return std::nullopt;
  return NotificationToken{t.type(), t.token_data()};
}

// Both take their input apart (the answer is the last use of it): no copy of
// the payload per read.
void EncodePayload(Payload&& in, pb::Payload* out) {
  out->set_type(std::move(in.type));
  out->set_data(std::move(in.data));
}

void EncodeDisplay(DisplayInformation&& in, pb::DisplayInformation* out) {
  out->set_title(std::move(in.title));
  out->set_description(std::move(in.description));
  out->set_image_url(std::move(in.image_url));
}

}  // namespace

std::string ClientAddressFromGrpcPeer(absl::string_view peer) {
  if (absl::ConsumePrefix(&peer, "ipv4:")) {
    const size_t colon = peer.rfind(':');
    return std::string(colon == absl::string_view::npos ? peer : peer.substr(0, colon));
  }
  if (absl::ConsumePrefix(&peer, "ipv6:")) {
    // gRPC writes "ipv6:[::1]:5" or, URI-encoded, "ipv6:%5B::1%5D:5".
    if (absl::ConsumePrefix(&peer, "[")) {
      const size_t end = peer.find(']');
      return std::string(end == absl::string_view::npos ? peer : peer.substr(0, end));
    }
    if (absl::ConsumePrefix(&peer, "%5B") || absl::ConsumePrefix(&peer, "%5b")) {
      size_t end = peer.find("%5D");
      if (end == absl::string_view::npos) end = peer.find("%5d");
      return std::string(end == absl::string_view::npos ? peer : peer.substr(0, end));
    }
    return std::string(peer);
  }
  return std::string(peer);
}

int RelayGrpcService::MaxMessageBytes(const RelayLimits& l) {
  const size_t n = l.max_payload_bytes + l.max_title_bytes + l.max_description_bytes +
                   l.max_image_url_bytes + 2 * l.max_token_bytes + l.max_attestation_bytes +
                   16 * 1024;
  return n > static_cast<size_t>(INT32_MAX) ? INT32_MAX : static_cast<int>(n);
}

RelayGrpcService::RelayGrpcService(MailboxOperations* service, RelayMetrics* metrics)
    : service_(service) {
  if (metrics == nullptr) return;
  constexpr const char* kNames[] = {"create_mailbox",           "update_mailbox",
                                    "read_secure_content",      "read_display_information",
                                    "delete_mailbox",           "relinquish_mailbox"};
  for (size_t i = 0; i < series_.size(); ++i) series_[i] = metrics->Series("grpc", kNames[i]);
}

// Runs one RPC: decode/call/encode in `body` (inside a DeferredDurability
// scope), then, once what it wrote is durable (at once if nothing waits),
// maps the status, records metrics and finishes the call. `body` fills the
// response, which gRPC keeps until Finish.
template <typename Body>
static grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* context,
                                     const RelayGrpcService::Admission& admission,
                                     RelayMetrics::CodeSeries* series, Body&& body) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (admission) {
    absl::Status admitted = admission();
    if (!admitted.ok()) {
      reactor->Finish(ToGrpcStatus(admitted));
      return reactor;
    }
  }
  const auto start = std::chrono::steady_clock::now();
  DeferredDurability scope;
  absl::Status result = body();
  scope.Then([reactor, series, start, result = std::move(result)](absl::Status durable) mutable {
    grpc::Status status = ToGrpcStatus(durable.ok() ? std::move(result) : StoreUnavailable(durable));
    if (series != nullptr) {
      series->Record(static_cast<int>(status.error_code()),
                     absl::FromChrono(std::chrono::steady_clock::now() - start));
    }
    reactor->Finish(status);
  });
  return reactor;
}

grpc::ServerUnaryReactor* RelayGrpcService::CreateMailbox(grpc::CallbackServerContext* context,
                                             const pb::CreateMailboxRequest* request,
                                             pb::CreateMailboxResponse* response) {
  return Run(context, admission_, series_[kCreate], [&]() -> absl::Status {
    CreateMailboxRequest r;
    r.device_claim = request->device_claim();
    r.request_id = request->request_id();
    r.attestation = request->attestation();
    ASSIGN_OR_RETURN(r.payload, DecodePayload(request->has_payload(), request->payload()));
    const pb::DisplayInformation& d = request->display_information();
    r.display = DisplayInformation{d.title(), d.description(), d.image_url()};
    r.notification_token =
        DecodeToken(request->has_notification_token(), request->notification_token());
    // proto3: an empty string is an absent one.
    const pb::MailboxConfiguration& c = request->mailbox_configuration();
    if (!c.access_rights().empty()) r.access_rights = c.access_rights();
    if (!c.expiration().empty()) {
      ASSIGN_OR_RETURN(r.expiration, ParseRfc3339(c.expiration(), kGrpcFieldNames.expiration));
    }
    ASSIGN_OR_RETURN(CreateMailboxResponse out, service_->CreateMailbox(ContextOf(context), r));
    response->set_url_link(std::move(out.url_link));
    response->set_is_push_notification_supported(out.push_supported);
    response->set_repeated(out.repeated);
    response->set_expiration(FormatRfc3339(WholeSeconds(out.expiration)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* RelayGrpcService::UpdateMailbox(grpc::CallbackServerContext* context,
                                             const pb::UpdateMailboxRequest* request,
                                             pb::UpdateMailboxResponse* response) {
  return Run(context, admission_, series_[kUpdate], [&]() -> absl::Status {
    UpdateMailboxRequest r;
    r.mailbox_id = request->mailbox_id();
    r.device_claim = request->device_claim();
    r.request_id = request->request_id();
    ASSIGN_OR_RETURN(r.payload, DecodePayload(request->has_payload(), request->payload()));
    r.notification_token =
        DecodeToken(request->has_notification_token(), request->notification_token());
    ASSIGN_OR_RETURN(UpdateMailboxResponse out, service_->UpdateMailbox(ContextOf(context), r));
    response->set_repeated(out.repeated);
    response->set_is_push_notification_supported(out.push_supported);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* RelayGrpcService::ReadSecureContent(grpc::CallbackServerContext* context,
                                                 const pb::ReadSecureContentRequest* request,
                                                 pb::ReadSecureContentResponse* response) {
  return Run(context, admission_, series_[kReadSecureContent], [&]() -> absl::Status {
    ReadSecureContentRequest r;
    r.mailbox_id = request->mailbox_id();
    r.device_claim = request->device_claim();
    r.request_id = request->request_id();
    r.attestation = request->attestation();
    r.notification_token =
        DecodeToken(request->has_notification_token(), request->notification_token());
    ASSIGN_OR_RETURN(ReadSecureContentResponse out,
                     service_->ReadSecureContent(ContextOf(context), r));
    EncodePayload(std::move(out.payload), response->mutable_payload());
    EncodeDisplay(std::move(out.display), response->mutable_display_information());
    response->set_expiration(FormatRfc3339(WholeSeconds(out.expiration)));
    response->set_repeated(out.repeated);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* RelayGrpcService::ReadDisplayInformation(grpc::CallbackServerContext* context, const pb::ReadDisplayInformationRequest* request,
    pb::ReadDisplayInformationResponse* response) {
  return Run(context, admission_, series_[kReadDisplayInformation], [&]() -> absl::Status {
    ASSIGN_OR_RETURN(ReadDisplayInformationResponse out,
                     service_->ReadDisplayInformation(ContextOf(context), request->mailbox_id()));
    EncodeDisplay(std::move(out.display), response->mutable_display_information());
    response->set_url_link(std::move(out.url_link));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* RelayGrpcService::DeleteMailbox(grpc::CallbackServerContext* context,
                                             const pb::DeleteMailboxRequest* request,
                                             pb::DeleteMailboxResponse* response) {
  return Run(context, admission_, series_[kDelete], [&]() -> absl::Status {
    DeleteMailboxRequest r{request->mailbox_id(), request->device_claim(), request->request_id()};
    ASSIGN_OR_RETURN(EmptyResponse out, service_->DeleteMailbox(ContextOf(context), r));
    response->set_repeated(out.repeated);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* RelayGrpcService::RelinquishMailbox(grpc::CallbackServerContext* context,
                                                 const pb::RelinquishMailboxRequest* request,
                                                 pb::RelinquishMailboxResponse* response) {
  return Run(context, admission_, series_[kRelinquish], [&]() -> absl::Status {
    RelinquishMailboxRequest r{request->mailbox_id(), request->device_claim(),
                               request->request_id()};
    ASSIGN_OR_RETURN(EmptyResponse out, service_->RelinquishMailbox(ContextOf(context), r));
    response->set_repeated(out.repeated);
    return absl::OkStatus();
  });
}

grpc::Status EchoGrpcService::Echo(grpc::ServerContext*, const pb::EchoRequest* request,
                                   pb::EchoResponse* response) {
  response->set_data(request->data());
  return grpc::Status::OK;
}

}  // namespace sct::relay
