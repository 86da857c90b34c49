// The device's view of a derived-locations relay
// (draft-rescorla-tigress-http-00; relay/derived/): three operations on a
// location the endpoints derived (device/derived_exchange.h). It does not fit
// behind RelayClient (device/relay_client.h): that interface speaks the
// draft-ietf mailbox (relay-chosen ids, claims, binding, display
// information, relinquish), none of which exists here.
//
// HttpDerivedRelayClient speaks it over HTTP(S) with cpp-httplib: PUT, GET,
// DELETE {base}/v1/d/{location} (common/derived_location.h). HTTPS verifies
// the relay's certificate against `ca_file` (else the system roots). An
// answer body over `max_response_bytes` is abandoned (INTERNAL
// "bad_relay_response"); connect, read and write time out after `timeout`
// (UNAVAILABLE "relay_unavailable"). Error answers map back through
// common/status_mapping.h FromHttpError: NOT_FOUND "message_not_found",
// ABORTED "location_occupied" (409), RESOURCE_EXHAUSTED "rate_limited" /
// "payload_too_large", INVALID_ARGUMENT "invalid_field", and from a
// proximity link (the direct-transfer variant) UNAVAILABLE "peer_out_of_range".
// Connections to a loopback relay leave from the process's source address
// (runtime/source_address.h).
// Under the simulator (`actor` set) every request carries `sct-actor`.
//
// Never logs a location or a message. Thread-safety: thread-safe (calls are
// serialised on one keep-alive connection).
#ifndef SCT_DEVICE_DERIVED_RELAY_CLIENT_H_
#define SCT_DEVICE_DERIVED_RELAY_CLIENT_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace httplib {
class Client;
}  // namespace httplib

namespace sct::device {

class DerivedRelayClient {
 public:
  virtual ~DerivedRelayClient() = default;
  virtual absl::Status Put(const std::string& location, const std::string& body) const = 0;
  virtual absl::StatusOr<std::string> Get(const std::string& location) const = 0;
  virtual absl::Status Delete(const std::string& location) const = 0;
};

struct HttpDerivedRelayClientOptions {
  std::string base_url;  // "https://HOST:PORT" or "http://HOST:PORT"
  std::string ca_file;   // PEM roots for HTTPS; empty: the system's roots
  absl::Duration timeout = absl::Seconds(10);
  size_t max_response_bytes = 1 << 20;
  std::string actor;  // sent as sct-actor when non-empty (the simulator)
};

class HttpDerivedRelayClient : public DerivedRelayClient {
 public:
  // INVALID_ARGUMENT "invalid_field" naming "base_url" when it is not an
  // http(s) URL with a host and no path.
  static absl::StatusOr<std::unique_ptr<HttpDerivedRelayClient>> Create(
      HttpDerivedRelayClientOptions options);
  ~HttpDerivedRelayClient() override;

  absl::Status Put(const std::string& location, const std::string& body) const override;
  absl::StatusOr<std::string> Get(const std::string& location) const override;
  absl::Status Delete(const std::string& location) const override;

 private:
  explicit HttpDerivedRelayClient(HttpDerivedRelayClientOptions options);
  absl::StatusOr<std::string> Send(const std::string& method, const std::string& location,
                                   const std::string& body) const;

  const HttpDerivedRelayClientOptions options_;
  mutable absl::Mutex mu_;
  std::unique_ptr<httplib::Client> client_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sct::device

#endif  // SCT_DEVICE_DERIVED_RELAY_CLIENT_H_
