// RelayClient over draft-vinokurov-tigress-http-00: the relay's HTTP mailbox
// API (docs/relay.md), over HTTPS (or plain HTTP for http:// URLs), with
// cpp-httplib as the transport and one keep-alive connection reused by
// every call (calls are serialised on it).
//
// The mapping: create POST /v1/m, update PUT /v1/m/{id}, read-secure POST
// /v1/m/{id} (the notification token in the body), preview GET /v1/m/{id}
// (the og: tags of the page), delete DELETE, relinquish PATCH; headers
// Mailbox-Device-Claim and Mailbox-Request-ID (always sent), camelCase JSON
// bodies (common/draft_http.h), payloads as padded base64, times RFC 3339.
// 201 answers a repeated request id (`repeated` set). Answers are decoded by
// device/relay_answer.h: error answers map back through
// common/status_mapping.h FromHttpError to the codes and reasons the gRPC
// face gives (relay_client.h); an answer whose Mailbox-Request-ID is not the
// one sent is refused (INTERNAL "bad_relay_response").
//
// The relay is untrusted: an answer body over `max_response_bytes` is
// abandoned (INTERNAL "bad_relay_response"); connect, each read and each
// write time out after `timeout`, and a body still arriving after `timeout`
// is abandoned (UNAVAILABLE "relay_unavailable"); bodies are never
// decompressed; redirects are not followed. HTTPS verifies the relay's
// certificate against `ca_file` (else the system roots) and its name against
// the URL's host (an IP address must be an IP SAN).
//
// Under the simulator (`sim` set): each call sends the `sct-actor` and
// `sct-step` headers (relay/sim_http_hook.h reads them) and suffers the
// link faults toward peer "relay" (or the URL's "host:port") exactly as the
// gRPC channel does (sim/client_side.h): delay, drop (UNAVAILABLE
// "simulated_drop", nothing sent), duplicate (the request sent twice, the
// first answer discarded); each applied fault is traced.
//
// Never logs: the claim, the payload or the mailbox URL are not written
// anywhere. Thread-safety: thread-safe; `sim` is not owned and must outlive
// the client.
#ifndef SCT_DEVICE_HTTP_RELAY_CLIENT_H_
#define SCT_DEVICE_HTTP_RELAY_CLIENT_H_

#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "device/ohttp_transport.h"
#include "device/relay_answer.h"
#include "device/relay_client.h"
#include "sim/sim_state.h"

namespace httplib {
class Client;
}  // namespace httplib

namespace sct::device {

struct HttpRelayClientOptions {
  // The relay's base URL, "https://HOST:PORT" or "http://HOST:PORT", an
  // optional path prefix allowed ("https://relay.example/tigress").
  std::string base_url;
  std::string ca_file;  // PEM roots for HTTPS; empty: the system's roots
  absl::Duration timeout = absl::Seconds(10);
  size_t max_response_bytes = 4 << 20;
  sim::SimState* sim = nullptr;  // may be null
  // Oblivious HTTP (docs/variants/ohttp.md): with both set, every call is
  // sealed to the gateway's key configuration (the application/ohttp-keys
  // file) and POSTed to the oblivious relay's resource (device/
  // ohttp_transport.h), verified against `ca_file`; `base_url` still names
  // the mailbox relay, the target of the inner request.
  std::string ohttp_relay_url;
  std::string ohttp_keys_file;
  // The local IPv4 address the connection to the oblivious relay is made
  // from (the device's own loopback address); empty: any.
  std::string ohttp_source_address;
};

class HttpRelayClient : public RelayClient {
 public:
  // INVALID_ARGUMENT "invalid_field" naming "--relay_http_url" (not an
  // http(s) URL with a host, or with a query or fragment),
  // "--relay_ca_file" (unreadable or holding no PEM certificate),
  // "--ohttp_relay_url" or "--ohttp_keys_file" (one without the other, or
  // unusable).
  static absl::StatusOr<std::unique_ptr<HttpRelayClient>> Create(HttpRelayClientOptions options);
  ~HttpRelayClient() override;

  absl::StatusOr<::relay::v1::CreateMailboxResponse> CreateMailbox(
      const ::relay::v1::CreateMailboxRequest& request) const override;
  absl::StatusOr<::relay::v1::UpdateMailboxResponse> UpdateMailbox(
      const ::relay::v1::UpdateMailboxRequest& request) const override;
  absl::StatusOr<::relay::v1::ReadSecureContentResponse> ReadSecureContent(
      const ::relay::v1::ReadSecureContentRequest& request) const override;
  absl::StatusOr<::relay::v1::ReadDisplayInformationResponse> ReadDisplayInformation(
      const ::relay::v1::ReadDisplayInformationRequest& request) const override;
  absl::StatusOr<::relay::v1::DeleteMailboxResponse> DeleteMailbox(
      const ::relay::v1::DeleteMailboxRequest& request) const override;
  absl::StatusOr<::relay::v1::RelinquishMailboxResponse> RelinquishMailbox(
      const ::relay::v1::RelinquishMailboxRequest& request) const override;
  std::string host() const override { return host_; }

 private:
  using Headers = std::multimap<std::string, std::string>;
  explicit HttpRelayClient(HttpRelayClientOptions options);
  // One call: the simulator's faults, then Exchange. The answer as received,
  // any status (device/relay_answer.h decodes it).
  absl::StatusOr<RelayAnswer> Send(const std::string& method, const std::string& path,
                                   Headers headers, const std::string& body) const;
  // One HTTP exchange, bounded. Sent a
  // second time when the first attempt met a connection the relay had
  // already closed (see the .cc).
  absl::StatusOr<RelayAnswer> Exchange(const std::string& method, const std::string& path,
                                       const Headers& headers, const std::string& body) const;
  // One attempt; `stale_connection` says whether it failed reading or
  // writing before any answer arrived.
  absl::StatusOr<RelayAnswer> ExchangeOnce(const std::string& method, const std::string& path,
                                           const Headers& headers, const std::string& body,
                                           bool* stale_connection) const;
  // One exchange through the oblivious relay (ohttp_ set).
  absl::StatusOr<RelayAnswer> ExchangeOblivious(const std::string& method, const std::string& path,
                                                const Headers& headers,
                                                const std::string& body) const;
  // The request path of mailbox `id` (INVALID_ARGUMENT for an id that is not
  // one path segment of unreserved characters).
  absl::StatusOr<std::string> MailboxPath(const std::string& id) const;

  const HttpRelayClientOptions options_;
  std::string host_;       // the URL's host
  std::string authority_;  // "host:port", the fault target
  std::string base_path_;  // the URL's path prefix without a trailing '/'
  bool https_ = false;
  std::unique_ptr<httplib::Client> client_;
  std::unique_ptr<OhttpTransport> ohttp_;  // null: direct
};

}  // namespace sct::device

#endif  // SCT_DEVICE_HTTP_RELAY_CLIENT_H_
