// The Oblivious HTTP gateway's logic (RFC 9458 section 6.3 "Gateway"): opens
// an encapsulated request, checks the inner Binary HTTP request, forwards it
// to the one target it serves (the mailbox relay's HTTP API) and seals the
// answer for the client. It sees every request's content but never a
// client's address: requests arrive from the oblivious relay, which strips
// them. No HTTP server types here (gateway_http.h adapts).
//
// Outcomes:
// - 200 message/ohttp-res: an encapsulated response, whatever the inner
//   status (the target's own answer, or an error of the gateway's made in
//   the inner response with common/status_mapping: 403 for an inner request
//   to another authority, 400 for an inner request that is not valid Binary
//   HTTP, 503 when the target is unreachable);
// - 400 application/problem+json of type "ohttp-key" for a request the keys
//   cannot open (unknown key id or algorithms, RFC 9458 section 5.3), and 400
//   for one that does not decrypt or is malformed: these cannot be sealed.
// The forwarded request carries the inner method, path, content and header
// fields, except hop-by-hop and framing fields (Connection, Host,
// Content-Length, Transfer-Encoding, ...), which the forwarder sets itself;
// Host is the target's authority. The answer's fields are lower-cased.
//
// Thread-safety: thread-safe if the forwarder is. The forwarder is not owned
// and must outlive the service.
#ifndef SCT_OHTTP_GATEWAY_GATEWAY_SERVICE_H_
#define SCT_OHTTP_GATEWAY_GATEWAY_SERVICE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/bhttp.h"
#include "crypto/ohttp.h"
#include "relay/http_message.h"
#include "runtime/http_forwarder.h"

namespace sct::ohttp_gateway {

struct GatewayOptions {
  // "host:port" of the target; an inner request naming another authority
  // is refused (the gateway is not an open proxy).
  std::string target_authority;
  bhttp::BhttpLimits limits;
};

struct GatewayAnswer {
  int status = 200;
  std::string content_type;
  std::string body;
};

// What the gateway learned from one exchange, for the knowledge audit
// (relay/sim_http_hook records it as the relay's HTTP face would): the inner
// request and the target's answer in full (it sees content), never a client
// address (remote_addr stays empty).
struct GatewayObservation {
  relay::HttpRequest inner_request;    // method empty: nothing was opened
  relay::HttpResponse inner_response;  // status 0: nothing was forwarded
  std::string error_reason;            // "" when forwarded
};

class GatewayService {
 public:
  GatewayService(crypto::ohttp::Gateway keys, HttpForwarder* target, GatewayOptions options)
      : keys_(std::move(keys)), target_(target), options_(std::move(options)) {}

  // The answer to one message/ohttp-req body; `observed` (may be null) gets
  // what the gateway saw.
  GatewayAnswer Handle(absl::string_view encapsulated, GatewayObservation* observed) const;
  // The application/ohttp-keys body.
  absl::StatusOr<std::string> KeyConfigs() const { return keys_.EncodedKeyConfigs(); }

 private:
  // The inner answer to an opened inner request (never fails: errors become
  // inner error responses).
  bhttp::Response Forward(absl::string_view inner, GatewayObservation* observed) const;

  const crypto::ohttp::Gateway keys_;
  HttpForwarder* const target_;
  const GatewayOptions options_;
};

}  // namespace sct::ohttp_gateway

#endif  // SCT_OHTTP_GATEWAY_GATEWAY_SERVICE_H_
