// Who is calling a gRPC server: the caller's TLS identity and whether its
// address is loopback. The one place that reads gRPC's auth context.
// Pure functions; thread-safe.
#ifndef SCT_RUNTIME_PEER_IDENTITY_H_
#define SCT_RUNTIME_PEER_IDENTITY_H_

#include <string>

#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"

namespace sct {

// The subject common name of the caller's verified client certificate; ""
// when the connection is not TLS, the caller presented no certificate, or
// the certificate has no common name.
std::string PeerCommonName(const grpc::AuthContext* auth);
std::string PeerCommonName(const grpc::ServerContextBase& context);

// Whether a gRPC peer string ("ipv4:127.0.0.1:5000", "ipv6:[::1]:5000",
// "unix:/path") names a loopback or local-socket caller.
bool IsLoopbackPeer(absl::string_view peer);

}  // namespace sct

#endif  // SCT_RUNTIME_PEER_IDENTITY_H_
