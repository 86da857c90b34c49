#include "relay/loadgen/redis_direct_client.h"

#include <utility>

#include "absl/status/status.h"
#include "common/clock.h"
#include "common/uuid.h"
#include "relay/mailbox_service.h"
#include "relay/store_factory.h"

namespace sct::relay::loadgen {

struct RedisDirectCycleClient::Stack {
  std::unique_ptr<RelayStore> store;  // the relay binary's wiring of a redis store
  std::unique_ptr<MailboxService> service;
};

namespace {

// What relay_scale's relays run with (StartRelay): both limiters on with
// budgets nobody reaches; every other limit the relay's default.
RelayLimits ScaleRelayLimits() {
  RelayLimits limits;
  limits.creates_per_window = 1000000000;
  limits.failed_lookups_per_window = 1000000000;
  return limits;
}

// The call a request from relay_scale makes (every client is on loopback).
const CallContext kContext{"127.0.0.1"};

std::string Label(const absl::Status& s) {
  return std::string(absl::StatusCodeToString(s.code()));
}

}  // namespace

RedisDirectCycleClient::RedisDirectCycleClient(const std::vector<std::string>& addresses,
                                               const std::string& key_prefix,
                                               size_t payload_bytes, uint64_t seed)
    : data_(payload_bytes, seed) {
  StoreConfig config;
  config.kind = "redis";
  config.redis.addresses = addresses;
  config.redis.pool_size = 1;
  config.redis_key_prefix = key_prefix;
  const RelayLimits limits = ScaleRelayLimits();
  const Clock* clock = &RealClock::Get();
  absl::StatusOr<std::unique_ptr<RelayStore>> opened = RelayStore::Open(config, limits, clock);
  if (!opened.ok()) return;
  auto s = std::make_unique<Stack>();
  s->store = *std::move(opened);
  s->service = std::make_unique<MailboxService>(s->store->store(), clock, nullptr,
                                                "http://127.0.0.1", limits, s->store->shared());
  stack_ = std::move(s);
}

RedisDirectCycleClient::~RedisDirectCycleClient() = default;

void RedisDirectCycleClient::BeginCycle() {
  data_.NewCycle();
  mailbox_id_.clear();
}

std::string RedisDirectCycleClient::Do(CycleOp op) {
  if (stack_ == nullptr) return "no_redis";
  MailboxService& service = *stack_->service;
  switch (op) {
    case CycleOp::kCreate: {
      // As the HTTP client's POST /v1/m (relay_http_client.cc).
      CreateMailboxRequest req;
      req.device_claim = data_.sender_claim();
      req.request_id = NewUuidV4();
      req.payload = Payload{kAeadAes128Gcm, data_.share_payload()};
      req.display.title = "Load test share";
      req.display.description = "relay_loadgen cycle";
      req.access_rights = "RWD";
      absl::StatusOr<CreateMailboxResponse> r = service.CreateMailbox(kContext, req);
      if (!r.ok()) return Label(r.status());
      mailbox_id_ = r->mailbox_id;
      return "";
    }
    case CycleOp::kReadBind:
    case CycleOp::kReadReply: {
      const bool bind = op == CycleOp::kReadBind;
      absl::StatusOr<ReadSecureContentResponse> r = service.ReadSecureContent(
          kContext, {mailbox_id_, bind ? data_.receiver_claim() : data_.sender_claim(),
                     NewUuidV4(), std::nullopt, ""});
      if (!r.ok()) return Label(r.status());
      const std::string& want = bind ? data_.share_payload() : data_.reply_payload();
      return r->payload.data == want ? "" : "bad_response";
    }
    case CycleOp::kUpdate: {
      absl::StatusOr<UpdateMailboxResponse> r = service.UpdateMailbox(
          kContext, {mailbox_id_, data_.receiver_claim(), NewUuidV4(),
                     Payload{kAeadAes128Gcm, data_.reply_payload()}, std::nullopt});
      return r.ok() ? "" : Label(r.status());
    }
    case CycleOp::kDelete: {
      absl::StatusOr<EmptyResponse> r =
          service.DeleteMailbox(kContext, {mailbox_id_, data_.sender_claim(), NewUuidV4()});
      return r.ok() ? "" : Label(r.status());
    }
  }
  return "bad_op";
}

}  // namespace sct::relay::loadgen
