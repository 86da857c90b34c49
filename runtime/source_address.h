// The source address of a process's outgoing loopback connections.
//
// In a launched ecosystem every actor has its own address in 127.0.0.0/8
// (the launcher's address plan, docs/launcher.md) and listens there; a server
// can tell its callers apart by address only if each actor also connects
// from its own address. The process sets that address once at start-up
// (--source_address, sim/flags.h); the outgoing gRPC channels (sim::Channel)
// and HTTP clients (the device's relay client, the channel's preview bot)
// then bind every new connection to it before connecting.
//
// Only connections to a loopback IPv4 literal (127.0.0.0/8) are bound: a
// service attached by URL on another host is reached as before, and with no
// source address set (hand-started services, tests) nothing changes.
//
// Thread-safety: SetSourceAddress is meant for start-up, before any client
// exists, but is safe at any time (a mutex guards the address); the other
// functions are thread-safe.
// Errors: SetSourceAddress returns INVALID_ARGUMENT (reason "invalid_field",
// field "--source_address") unless the text is empty or an IPv4 address in
// 127.0.0.0/8.
#ifndef SCT_RUNTIME_SOURCE_ADDRESS_H_
#define SCT_RUNTIME_SOURCE_ADDRESS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/channel_arguments.h"

namespace sct {

// Whether `host` is an IPv4 literal in 127.0.0.0/8 ("127.0.0.11").
bool IsLoopbackIpv4(absl::string_view host);

// Sets (or, with "", clears) the process's source address.
absl::Status SetSourceAddress(absl::string_view address);

// The address to bind a connection to `target_host` to: the process's
// source address when one is set and `target_host` is a loopback IPv4
// literal, else "" (connect as the OS chooses).
std::string SourceAddressFor(absl::string_view target_host);

// The host of a gRPC target ("127.0.0.2:4433", "ipv4:127.0.0.2:4433",
// "dns:///localhost:50051", "[::1]:80"): what SourceAddressFor takes.
std::string TargetHost(absl::string_view target);

// Adds to `args` a socket mutator that binds each client connection of the
// channel to `source` (port 0) before it connects; nothing when `source` is
// "". A connection whose bind fails is not made (gRPC reports UNAVAILABLE).
void BindClientConnections(const std::string& source, grpc::ChannelArguments* args);

}  // namespace sct

#endif  // SCT_RUNTIME_SOURCE_ADDRESS_H_
