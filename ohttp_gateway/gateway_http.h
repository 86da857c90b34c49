// The gateway's HTTP face (adapter): POST /gateway with a message/ohttp-req
// body -> GatewayService::Handle; GET /ohttp-keys -> the application/ohttp-keys
// body (RFC 9458 section 3.2). Anything else: 404, or 405 for another method
// on a known path, 415 for a POST whose Content-Type is not
// message/ohttp-req. Runs on relay/bounded_http_server (the bounds, TLS and
// deadlines of the mailbox relay's HTTP face).
//
// Thread-safety: as GatewayService. No ownership.
#ifndef SCT_OHTTP_GATEWAY_GATEWAY_HTTP_H_
#define SCT_OHTTP_GATEWAY_GATEWAY_HTTP_H_

#include "ohttp_gateway/gateway_service.h"
#include "relay/http_message.h"

namespace sct::ohttp_gateway {

inline constexpr char kGatewayPath[] = "/gateway";
inline constexpr char kKeysPath[] = "/ohttp-keys";

// Fills `response`; `observed` (may be null) gets what the gateway saw.
void HandleGatewayHttp(const GatewayService& service, const relay::HttpRequest& request,
                       relay::HttpResponse& response, GatewayObservation* observed);

}  // namespace sct::ohttp_gateway

#endif  // SCT_OHTTP_GATEWAY_GATEWAY_HTTP_H_
