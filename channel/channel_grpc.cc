#include "channel/channel_grpc.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_mapping.h"

namespace sct::channel {
namespace {

namespace pb = ::channel::v1;

// How long a stream handler waits on its queue before re-checking for
// cancellation; bounds how long a cancelled stream lingers.
constexpr absl::Duration kStreamPoll = absl::Milliseconds(100);

absl::StatusOr<ChannelKind> KindFromProto(common::v1::ChannelKind kind) {
  switch (kind) {
    case common::v1::SMS:
      return ChannelKind::kSms;
    case common::v1::EMAIL:
      return ChannelKind::kEmail;
    case common::v1::MESSENGER:
      return ChannelKind::kMessenger;
    default:
      return InvalidField("kind", absl::StrCat("must be SMS, EMAIL or MESSENGER (got ",
                                               static_cast<int>(kind), ")"));
  }
}

common::v1::ChannelKind KindToProto(ChannelKind kind) {
  return static_cast<common::v1::ChannelKind>(static_cast<int>(kind));
}

void MessageToProto(const ChannelMessage& m, pb::ChannelMessage* out) {
  out->set_message_id(m.message_id);
  out->set_sequence(m.sequence);
  out->set_kind(KindToProto(m.kind));
  out->set_from(m.from);
  out->set_to(m.to);
  out->set_body(m.body);
  ToProto(m.sent_at, out->mutable_sent_at());
  ToProto(m.delivered_at, out->mutable_delivered_at());
  out->set_duplicate(m.duplicate);
}

void ConfigToProto(const ChannelConfig& c, pb::ChannelConfig* out) {
  ToProto(c.delay, out->mutable_delay());
  ToProto(c.jitter, out->mutable_jitter());
  out->set_loss_probability(c.loss_probability);
  out->set_duplicate_probability(c.duplicate_probability);
  out->set_max_body_length(c.max_body_length);
  out->set_preview_bot(c.preview_bot);
  ToProto(c.preview_delay, out->mutable_preview_delay());
  out->set_seed(c.seed);
  out->set_mail_scanner(static_cast<pb::MailScanner>(c.mail_scanner));
}

absl::StatusOr<ChannelConfig> ConfigFromProto(const pb::ChannelConfig& c) {
  ChannelConfig config;
  auto delay = FromProto(c.delay(), "config.delay");
  if (!delay.ok()) return delay.status();
  auto jitter = FromProto(c.jitter(), "config.jitter");
  if (!jitter.ok()) return jitter.status();
  auto preview_delay = FromProto(c.preview_delay(), "config.preview_delay");
  if (!preview_delay.ok()) return preview_delay.status();
  config.delay = *delay;
  config.jitter = *jitter;
  config.preview_delay = *preview_delay;
  config.loss_probability = c.loss_probability();
  config.duplicate_probability = c.duplicate_probability();
  config.max_body_length = c.max_body_length();
  config.preview_bot = c.preview_bot();
  config.seed = c.seed();
  switch (c.mail_scanner()) {
    case pb::MAIL_SCANNER_NONE:
      config.mail_scanner = MailScanner::kNone;
      break;
    case pb::MAIL_SCANNER_GET:
      config.mail_scanner = MailScanner::kGet;
      break;
    case pb::MAIL_SCANNER_POST:
      config.mail_scanner = MailScanner::kPost;
      break;
    default:
      return InvalidField("config.mail_scanner", "unknown value");
  }
  return config;
}

}  // namespace

grpc::Status ChannelGrpcService::Send(grpc::ServerContext*, const pb::SendRequest* request,
                                      pb::SendResponse* response) {
  auto kind = KindFromProto(request->kind());
  if (!kind.ok()) return ToGrpcStatus(kind.status());
  auto result = service_->Send(*kind, request->from(), request->to(), request->body());
  if (!result.ok()) return ToGrpcStatus(result.status());
  response->set_message_id(result->message_id);
  response->set_body_length(result->body_length);
  response->set_max_body_length(result->max_body_length);
  response->set_sms_segments(result->sms_segments);
  response->set_preview_fetch_scheduled(result->preview_fetch_scheduled);
  for (uint32_t length : result->link_lengths) response->add_link_lengths(length);
  response->set_sms_encoding(result->sms_encoding);
  return grpc::Status::OK;
}

grpc::Status ChannelGrpcService::Receive(grpc::ServerContext*, const pb::ReceiveRequest* request,
                                         pb::ReceiveResponse* response) {
  auto kind = KindFromProto(request->kind());
  if (!kind.ok()) return ToGrpcStatus(kind.status());
  auto result = service_->Receive(*kind, request->address(), request->after_sequence(),
                                  request->max_messages());
  if (!result.ok()) return ToGrpcStatus(result.status());
  for (const ChannelMessage& m : result->messages) MessageToProto(m, response->add_messages());
  response->set_last_sequence(result->last_sequence);
  response->set_dropped(result->dropped);
  return grpc::Status::OK;
}

grpc::Status ChannelGrpcService::WatchInbox(grpc::ServerContext* context,
                                            const pb::WatchInboxRequest* request,
                                            grpc::ServerWriter<pb::ChannelMessage>* writer) {
  auto kind = KindFromProto(request->kind());
  if (!kind.ok()) return ToGrpcStatus(kind.status());
  auto queue = service_->WatchInbox(*kind, request->address(), request->after_sequence());
  if (!queue.ok()) return ToGrpcStatus(queue.status());
  while (!context->IsCancelled()) {
    std::optional<ChannelMessage> message = (*queue)->Next(kStreamPoll);
    if (!message.has_value()) {
      if ((*queue)->closed()) break;  // service shutting down: end the stream cleanly
      continue;
    }
    pb::ChannelMessage out;
    MessageToProto(*message, &out);
    if (!writer->Write(out)) break;
  }
  return grpc::Status::OK;
}

grpc::Status ChannelGrpcService::Tap(grpc::ServerContext* context, const pb::TapRequest* request,
                                     grpc::ServerWriter<pb::TappedMessage>* writer) {
  auto kind = KindFromProto(request->kind());
  if (!kind.ok()) return ToGrpcStatus(kind.status());
  auto queue = service_->Tap(*kind, request->to(), request->interceptor());
  if (!queue.ok()) return ToGrpcStatus(queue.status());
  while (!context->IsCancelled()) {
    std::optional<TapEvent> event = (*queue)->Next(kStreamPoll);
    if (!event.has_value()) {
      if ((*queue)->closed()) break;
      continue;
    }
    pb::TappedMessage out;
    MessageToProto(event->message, out.mutable_message());
    if (event->scheduled_delivery.has_value()) {
      ToProto(*event->scheduled_delivery, out.mutable_scheduled_delivery());
    }
    out.set_dropped(event->dropped);
    if (!writer->Write(out)) break;
  }
  return grpc::Status::OK;
}

grpc::Status ChannelGrpcService::Configure(grpc::ServerContext*,
                                           const pb::ConfigureRequest* request,
                                           pb::ConfigureResponse* response) {
  auto kind = KindFromProto(request->kind());
  if (!kind.ok()) return ToGrpcStatus(kind.status());
  auto config = ConfigFromProto(request->config());
  if (!config.ok()) return ToGrpcStatus(config.status());
  auto effective = service_->Configure(*kind, *config);
  if (!effective.ok()) return ToGrpcStatus(effective.status());
  ConfigToProto(*effective, response->mutable_config());
  return grpc::Status::OK;
}

grpc::Status ChannelGrpcService::GetDeliveryLog(grpc::ServerContext*,
                                                const pb::GetDeliveryLogRequest* request,
                                                pb::GetDeliveryLogResponse* response) {
  auto kind = KindFromProto(request->kind());
  if (!kind.ok()) return ToGrpcStatus(kind.status());
  const DeliveryLog log = service_->GetDeliveryLog(*kind);
  for (const DeliveryRecord& r : log.deliveries) {
    pb::DeliveryRecord* out = response->add_deliveries();
    out->set_message_id(r.message_id);
    out->set_to(r.to);
    out->set_copies_delivered(r.copies_delivered);
    ToProto(r.delay, out->mutable_delay());
    for (const std::string& name : r.seen_by) out->add_seen_by(name);
    out->set_from(r.from);
    ToProto(r.sent_at, out->mutable_sent_at());
    out->set_body_length(r.body_length);
    out->set_contained_link_fragment(r.contained_link_fragment);
    for (uint32_t length : r.link_lengths) out->add_link_lengths(length);
    out->set_dropped(r.dropped);
    out->set_duplicated(r.duplicated);
    out->set_copies_pending(r.copies_pending);
  }
  for (const PreviewFetch& f : log.preview_fetches) {
    pb::PreviewFetch* out = response->add_preview_fetches();
    out->set_message_id(f.message_id);
    out->set_url(f.url);
    out->set_http_status(f.http_status);
    ToProto(f.fetched_at, out->mutable_fetched_at());
    out->set_og_title(f.og_title);
    out->set_error(f.error);
    out->set_method(f.method);
    out->set_fetcher(f.fetcher);
  }
  response->set_dropped_deliveries(log.dropped_deliveries);
  response->set_dropped_preview_fetches(log.dropped_preview_fetches);
  response->set_dropped_inbox_messages(log.dropped_inbox_messages);
  return grpc::Status::OK;
}

}  // namespace sct::channel
