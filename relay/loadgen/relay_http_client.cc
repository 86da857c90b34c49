#include "relay/loadgen/relay_http_client.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/draft_http.h"
#include "common/uuid.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "relay/loadgen/relay_grpc_client.h"

namespace sct::relay::loadgen {
namespace {

using nlohmann::json;
namespace dh = ::sct::draft_http;

// "http_<status>" plus the relay's stable error code when the body has one.
std::string ErrorLabel(const httplib::Result& r) {
  if (!r) return "http_" + httplib::to_string(r.error());
  std::string label = absl::StrCat("http_", r->status);
  json body = json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object() && body.contains(dh::kError) && body[dh::kError].is_object() &&
      body[dh::kError].contains(dh::kErrorCode) && body[dh::kError][dh::kErrorCode].is_string()) {
    absl::StrAppend(&label, ":", body[dh::kError][dh::kErrorCode].get<std::string>());
  }
  return label;
}

httplib::Headers ClaimHeaders(const std::string& claim) {
  return {{dh::kClaimHeader, claim}, {dh::kRequestIdHeader, NewUuidV4()}};
}

json PayloadJson(const std::string& raw) {
  return json{{dh::kPayloadType, kPayloadType}, {dh::kPayloadData, absl::Base64Escape(raw)}};
}

// Checks a read answer: payload.data decodes to `want`.
std::string CheckRead(const httplib::Result& r, const std::string& want) {
  if (!r || r->status != 200) return ErrorLabel(r);
  json body = json::parse(r->body, nullptr, false);
  if (!body.is_object() || !body.contains(dh::kPayload) || !body[dh::kPayload].is_object() ||
      !body[dh::kPayload].contains(dh::kPayloadData) ||
      !body[dh::kPayload][dh::kPayloadData].is_string()) {
    return "bad_response";
  }
  std::string raw;
  if (!absl::Base64Unescape(body[dh::kPayload][dh::kPayloadData].get<std::string>(), &raw) ||
      raw != want) {
    return "bad_response";
  }
  return "";
}

}  // namespace

RelayHttpCycleClient::RelayHttpCycleClient(const std::string& host, int port, size_t payload_bytes,
                                           uint64_t seed)
    : RelayHttpCycleClient(host, std::vector<int>{port}, 0, false, payload_bytes, seed) {}

RelayHttpCycleClient::RelayHttpCycleClient(const std::string& host, const std::vector<int>& ports,
                                           size_t first, bool rotate_per_op, size_t payload_bytes,
                                           uint64_t seed)
    : first_(first), rotate_(rotate_per_op), data_(payload_bytes, seed) {
  for (int port : ports) {
    auto http = std::make_unique<httplib::Client>(host, port);
    http->set_keep_alive(true);
    // As curl and gRPC do: without it, Nagle's algorithm holds a request body
    // written after its headers until the server's delayed ACK (~40 ms).
    http->set_tcp_nodelay(true);
    http->set_connection_timeout(5, 0);
    http->set_read_timeout(30, 0);
    http->set_write_timeout(30, 0);
    clients_.push_back(std::move(http));
  }
}

RelayHttpCycleClient::~RelayHttpCycleClient() = default;

void RelayHttpCycleClient::BeginCycle() {
  data_.NewCycle();
  mailbox_id_.clear();
}

std::string RelayHttpCycleClient::Do(CycleOp op) {
  if (clients_.empty()) return "no_target";
  auto& http = clients_[(first_ + (rotate_ ? static_cast<size_t>(op) : 0)) % clients_.size()];
  static constexpr char kJson[] = "application/json";
  const std::string path = dh::kMailboxPathPrefix + mailbox_id_;
  switch (op) {
    case CycleOp::kCreate: {
      json body = {
          {dh::kPayload, PayloadJson(data_.share_payload())},
          {dh::kDisplayInformation,
           {{dh::kTitle, "Load test share"}, {dh::kDescription, "relay_loadgen cycle"}}},
          // The receiver replies with an update, which needs the W right.
          {dh::kMailboxConfiguration, {{dh::kAccessRights, "RWD"}}},
      };
      auto r =
          http->Post(dh::kMailboxesPath, ClaimHeaders(data_.sender_claim()), body.dump(), kJson);
      if (!r || r->status != 200) return ErrorLabel(r);
      json resp = json::parse(r->body, nullptr, false);
      if (!resp.is_object() || !resp.contains(dh::kUrlLink) || !resp[dh::kUrlLink].is_string()) {
        return "bad_response";
      }
      mailbox_id_ = MailboxIdFromUrlLink(resp[dh::kUrlLink].get<std::string>());
      return mailbox_id_.empty() ? "bad_response" : "";
    }
    case CycleOp::kReadBind:
      return CheckRead(http->Post(path, ClaimHeaders(data_.receiver_claim()), "{}", kJson),
                       data_.share_payload());
    case CycleOp::kUpdate: {
      json body = {{dh::kPayload, PayloadJson(data_.reply_payload())}};
      auto r = http->Put(path, ClaimHeaders(data_.receiver_claim()), body.dump(), kJson);
      if (!r || r->status != 200) return ErrorLabel(r);
      return "";
    }
    case CycleOp::kReadReply:
      return CheckRead(http->Post(path, ClaimHeaders(data_.sender_claim()), "{}", kJson),
                       data_.reply_payload());
    case CycleOp::kDelete: {
      auto r = http->Delete(path, ClaimHeaders(data_.sender_claim()));
      if (!r || r->status != 200) return ErrorLabel(r);
      return "";
    }
  }
  return "bad_op";
}

}  // namespace sct::relay::loadgen
