#include "runtime/source_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <mutex>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "grpc/support/sync.h"

// gRPC 1.51 declares the socket mutator interface only in a core header that
// Debian does not install (src/core/lib/iomgr/socket_mutator.h); the public
// API takes a pointer to it (ChannelArguments::SetSocketMutator). These
// declarations match that header's layout in 1.51: a vtable of four function
// pointers and a base struct of the vtable pointer and a reference count.
enum SctFdUsage { kSctClientConnectionUsage = 0 };
struct SctMutateSocketInfo {
  int fd;
  int usage;
};
struct grpc_socket_mutator;
struct SctSocketMutatorVtable {
  bool (*mutate_fd)(int fd, grpc_socket_mutator* mutator);
  int (*compare)(grpc_socket_mutator* a, grpc_socket_mutator* b);
  void (*destroy)(grpc_socket_mutator* mutator);
  bool (*mutate_fd_2)(const SctMutateSocketInfo* info, grpc_socket_mutator* mutator);
};
struct grpc_socket_mutator {
  const SctSocketMutatorVtable* vtable;
  gpr_refcount refcount;
};

namespace sct {
namespace {

std::mutex g_mu;
std::string& Address() {
  static std::string* address = new std::string();
  return *address;
}

// The base struct first, so gRPC's pointer is also a BindingMutator's.
struct BindingMutator {
  grpc_socket_mutator base;
  in_addr address;
};

bool BindFd(int fd, const in_addr& address) {
  int domain = 0;
  socklen_t len = sizeof(domain);
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0) return false;
  if (domain == AF_INET) {
    sockaddr_in sa;
    std::memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr = address;
    return bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)) == 0;
  }
  if (domain == AF_INET6) {
    // gRPC dials IPv4 targets from dual-stack sockets (v4-mapped addresses).
    sockaddr_in6 sa;
    std::memset(&sa, 0, sizeof(sa));
    sa.sin6_family = AF_INET6;
    sa.sin6_addr.s6_addr[10] = 0xff;
    sa.sin6_addr.s6_addr[11] = 0xff;
    std::memcpy(&sa.sin6_addr.s6_addr[12], &address, 4);
    return bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)) == 0;
  }
  return true;  // not an IP socket: nothing to bind
}

bool MutateFd(int fd, grpc_socket_mutator* m) {
  return BindFd(fd, reinterpret_cast<BindingMutator*>(m)->address);
}

bool MutateFd2(const SctMutateSocketInfo* info, grpc_socket_mutator* m) {
  if (info->usage != kSctClientConnectionUsage) return true;
  return MutateFd(info->fd, m);
}

int Compare(grpc_socket_mutator* a, grpc_socket_mutator* b) {
  const uint32_t x = ntohl(reinterpret_cast<BindingMutator*>(a)->address.s_addr);
  const uint32_t y = ntohl(reinterpret_cast<BindingMutator*>(b)->address.s_addr);
  return x < y ? -1 : (x > y ? 1 : 0);
}

void Destroy(grpc_socket_mutator* m) { delete reinterpret_cast<BindingMutator*>(m); }

const SctSocketMutatorVtable kVtable = {MutateFd, Compare, Destroy, MutateFd2};

}  // namespace

bool IsLoopbackIpv4(absl::string_view host) {
  in_addr a;
  const std::string text(host);
  if (inet_pton(AF_INET, text.c_str(), &a) != 1) return false;
  return (ntohl(a.s_addr) >> 24) == 127;
}

absl::Status SetSourceAddress(absl::string_view address) {
  if (!address.empty() && !IsLoopbackIpv4(address)) {
    return InvalidField("--source_address", "must be an IPv4 address in 127.0.0.0/8");
  }
  std::lock_guard<std::mutex> lock(g_mu);
  Address() = std::string(address);
  return absl::OkStatus();
}

std::string SourceAddressFor(absl::string_view target_host) {
  if (!IsLoopbackIpv4(target_host)) return "";
  std::lock_guard<std::mutex> lock(g_mu);
  return Address();
}

std::string TargetHost(absl::string_view target) {
  absl::ConsumePrefix(&target, "ipv4:");
  absl::ConsumePrefix(&target, "ipv6:");
  if (absl::ConsumePrefix(&target, "dns:")) absl::ConsumePrefix(&target, "///");
  if (absl::ConsumePrefix(&target, "[")) {
    const size_t close = target.find(']');
    return std::string(target.substr(0, close));
  }
  const size_t colon = target.rfind(':');
  return std::string(colon == absl::string_view::npos ? target : target.substr(0, colon));
}

void BindClientConnections(const std::string& source, grpc::ChannelArguments* args) {
  if (source.empty() || args == nullptr) return;
  auto* m = new BindingMutator;
  if (inet_pton(AF_INET, source.c_str(), &m->address) != 1) {
    delete m;
    return;
  }
  m->base.vtable = &kVtable;
  gpr_ref_init(&m->base.refcount, 1);
  // The arguments take the reference; gRPC calls Destroy after the last one.
  args->SetSocketMutator(&m->base);
}

}  // namespace sct
