// The relay cycle over the draft's HTTP/JSON API (draft-vinokurov-tigress-
// http-00): POST /v1/m, POST /v1/m/{id} (read, binds), PUT /v1/m/{id},
// POST /v1/m/{id} (sender reads the reply), DELETE /v1/m/{id}, with the
// Mailbox-Device-Claim and Mailbox-Request-ID headers and base64 payloads.
// One keep-alive connection per client. Answers are checked as over gRPC.
#ifndef SCT_RELAY_LOADGEN_RELAY_HTTP_CLIENT_H_
#define SCT_RELAY_LOADGEN_RELAY_HTTP_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "relay/loadgen/cycle_client.h"
#include "relay/loadgen/cycle_data.h"

namespace httplib {
class Client;
}

namespace sct::relay::loadgen {

// Not thread-safe (one per client thread).
class RelayHttpCycleClient final : public CycleClient {
 public:
  // `host` must be a literal address, e.g. "127.0.0.1".
  RelayHttpCycleClient(const std::string& host, int port, size_t payload_bytes, uint64_t seed);
  // Several replicas on `host` (ports): as RelayGrpcCycleClient's
  // multi-target constructor. `ports` must not be empty.
  RelayHttpCycleClient(const std::string& host, const std::vector<int>& ports, size_t first,
                       bool rotate_per_op, size_t payload_bytes, uint64_t seed);
  ~RelayHttpCycleClient() override;
  void BeginCycle() override;
  std::string Do(CycleOp op) override;

 private:
  std::vector<std::unique_ptr<httplib::Client>> clients_;
  size_t first_ = 0;
  bool rotate_ = false;
  CycleData data_;
  std::string mailbox_id_;
};

}  // namespace sct::relay::loadgen

#endif  // SCT_RELAY_LOADGEN_RELAY_HTTP_CLIENT_H_
