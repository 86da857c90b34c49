// "HOST:PORT" listen/connect addresses, as given on the command line.
//
// ParseHostPort accepts exactly one form per address family:
//   hostname:port      e.g. "localhost:8443", "relay.example:443"
//   IPv4:port          e.g. "127.0.0.1:0", "0.0.0.0:8080"
//   [IPv6]:port        e.g. "[::1]:50051", "[::]:0"
// The port is decimal 0-65535 (0 = let the OS pick, for tests). Everything
// else is INVALID_ARGUMENT (reason "invalid_field") with a message naming the
// field, e.g. "--http_listen: port 70000 out of range (0-65535)": an empty
// host, a missing port, an IPv6 address without brackets, a malformed IPv4
// address, hostname labels with bad characters, zone ids, whitespace.
//
// HostPort also works as an absl flag type: ABSL_FLAG(sct::HostPort, ...).
// Functions are pure and thread-safe.
#ifndef SCT_COMMON_HOST_PORT_H_
#define SCT_COMMON_HOST_PORT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sct {

struct HostPort {
  std::string host;  // without brackets for IPv6: "::1"
  int port = 0;

  // "host:port", bracketing IPv6 hosts: "[::1]:50051". Suitable for
  // grpc::ServerBuilder::AddListeningPort and grpc::CreateChannel.
  std::string ToString() const;

  friend bool operator==(const HostPort& a, const HostPort& b) {
    return a.host == b.host && a.port == b.port;
  }
};

absl::StatusOr<HostPort> ParseHostPort(absl::string_view s,
                                       absl::string_view field = "address");

// absl flag support (found by argument-dependent lookup).
bool AbslParseFlag(absl::string_view text, HostPort* out, std::string* error);
std::string AbslUnparseFlag(const HostPort& hp);

}  // namespace sct

#endif  // SCT_COMMON_HOST_PORT_H_
