// The device's Oblivious HTTP client (RFC 9458): carries one mailbox API
// exchange as a Binary HTTP request (common/bhttp.h) sealed to the gateway's
// key configuration (crypto/ohttp.h), POSTed as message/ohttp-req to the
// oblivious relay; the message/ohttp-res answer is opened and decoded back
// into a status, headers and body. HttpRelayClient uses it in place of a
// direct connection when it is given an oblivious relay
// (docs/variants/ohttp.md).
//
// The key configuration comes out of band (a file the launcher hands over,
// written by the gateway: application/ohttp-keys), so the oblivious relay
// cannot substitute its own key. Every exchange uses a fresh HPKE context,
// so neither the relay nor the gateway can link two exchanges by their
// encapsulation.
//
// Bounds: answers over `max_response_bytes`, or arriving after `timeout`,
// are abandoned; the oblivious relay's certificate is verified against
// `ca_file` and the URL's host.
//
// Thread-safety: thread-safe (exchanges are serialised on one keep-alive
// connection). Errors: Create INVALID_ARGUMENT "invalid_field" naming
// "--ohttp_relay_url" or "--ohttp_keys_file"; Exchange UNAVAILABLE
// "relay_unavailable" when the oblivious relay cannot be reached, INTERNAL
// "bad_relay_response" for an answer that is not a sealed Binary HTTP
// response for this request, and the oblivious relay's own error (e.g.
// RESOURCE_EXHAUSTED for its 429) through common/status_mapping.
#ifndef SCT_DEVICE_OHTTP_TRANSPORT_H_
#define SCT_DEVICE_OHTTP_TRANSPORT_H_

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crypto/ohttp.h"
#include "device/relay_answer.h"
#include "runtime/http_forwarder.h"

namespace sct::device {

struct OhttpTransportOptions {
  std::string relay_url;  // the oblivious relay's resource, e.g. https://h:p/relay
  std::string keys_file;  // application/ohttp-keys of the gateway
  std::string ca_file;    // PEM roots for the oblivious relay
  absl::Duration timeout = absl::Seconds(10);
  size_t max_response_bytes = 4 << 20;
  std::string source_address;  // local IPv4 address to connect from; "" any
};

// The inner exchange, as the mailbox API sees it.
struct InnerRequest {
  std::string method;
  std::string scheme;     // of the mailbox relay's URL
  std::string authority;  // host:port of the mailbox relay
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// The inner answer (header names lower case), decoded by
// device/relay_answer.h.
using InnerResponse = RelayAnswer;

class OhttpTransport {
 public:
  static absl::StatusOr<std::unique_ptr<OhttpTransport>> Create(OhttpTransportOptions options);

  absl::StatusOr<InnerResponse> Exchange(const InnerRequest& request) const;

 private:
  OhttpTransport(crypto::ohttp::KeyConfig config, std::unique_ptr<HttplibForwarder> relay,
                 size_t max_response_bytes)
      : config_(std::move(config)),
        relay_(std::move(relay)),
        max_response_bytes_(max_response_bytes) {}

  const crypto::ohttp::KeyConfig config_;
  const std::unique_ptr<HttplibForwarder> relay_;
  const size_t max_response_bytes_;  // of the inner answer's body
};

}  // namespace sct::device

#endif  // SCT_DEVICE_OHTTP_TRANSPORT_H_
