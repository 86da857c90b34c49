#include "relay/loadgen/redis_direct_client.h"

#include <utility>

#include "absl/status/status.h"
#include "common/clock.h"
#include "common/uuid.h"
#include "relay/mailbox_service.h"
#include "relay/redis/redis_client.h"
#include "relay/redis/redis_limits.h"
#include "relay/redis/redis_steps.h"
#include "relay/redis/redis_store.h"

namespace sct::relay::loadgen {

struct RedisDirectCycleClient::Stack {
  std::unique_ptr<RedisClient> client;
  std::unique_ptr<RedisMailboxStore> store;
  std::unique_ptr<RedisEventLimiter> creates, lookups;
  std::unique_ptr<RedisDeleteLog> deletes;
  std::unique_ptr<RedisRelaySteps> steps;
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
  RedisClientOptions options;
  options.addresses = addresses;
  options.pool_size = 1;
  absl::StatusOr<std::unique_ptr<RedisClient>> client = ConnectRedis(options);
  if (!client.ok()) return;
  auto s = std::make_unique<Stack>();
  s->client = std::move(*client);
  const RelayLimits limits = ScaleRelayLimits();
  const Clock* clock = &RealClock::Get();
  RedisStoreOptions store_options;
  store_options.key_prefix = key_prefix;
  s->store = std::make_unique<RedisMailboxStore>(s->client.get(), store_options);
  s->creates = std::make_unique<RedisEventLimiter>(
      s->client.get(), clock, "creates", limits.creates_per_window, limits.rate_window, key_prefix);
  s->lookups = std::make_unique<RedisEventLimiter>(s->client.get(), clock, "failed_lookups",
                                                   limits.failed_lookups_per_window,
                                                   limits.rate_window, key_prefix);
  s->deletes = std::make_unique<RedisDeleteLog>(s->client.get(), limits.max_ttl, key_prefix);
  s->steps = std::make_unique<RedisRelaySteps>(s->store.get(), s->creates.get(),
                                               s->lookups.get(), s->deletes.get());
  s->service = std::make_unique<MailboxService>(
      s->store.get(), clock, nullptr, "http://127.0.0.1", limits,
      SharedRelayState{s->creates.get(), s->lookups.get(), s->deletes.get(), s->steps.get()});
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
