// Outbound gRPC channels kept by target and reused, so that a service or a
// device calling the same peer again rides the connection (and the TLS
// session) it already has instead of paying a new TCP and TLS handshake per
// call.
//
// Get(target) makes the channel with the factory on first use and returns
// the same channel afterwards. A kept channel survives a restart of its peer:
// gRPC reconnects an idle channel on the next call. A channel whose last
// connection attempt failed (TRANSIENT_FAILURE) or that was shut down is
// replaced by a fresh one at the next Get, so a call after the peer came back
// connects at once, as a new channel would, instead of failing fast until
// gRPC's reconnect backoff runs out. At most `max_targets` channels are kept;
// beyond that the least recently used one is dropped (calls in flight on it
// keep their own reference).
//
// Thread-safe. The factory is called under the cache's lock and must not call
// back into the cache.
#ifndef SCT_RUNTIME_CHANNEL_CACHE_H_
#define SCT_RUNTIME_CHANNEL_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"

namespace sct {

class ChannelCache {
 public:
  using Factory = std::function<std::shared_ptr<grpc::Channel>(const std::string& target)>;

  explicit ChannelCache(Factory make, size_t max_targets = 64);

  // The kept channel for `target`, or a new one from the factory (null only
  // if the factory returns null; that is not kept).
  std::shared_ptr<grpc::Channel> Get(const std::string& target);

  // How many channels the factory has made so far (for tests and counters).
  uint64_t made() const;

 private:
  struct Kept {
    std::shared_ptr<grpc::Channel> channel;
    uint64_t last_use = 0;
  };

  const Factory make_;
  const size_t max_targets_;
  mutable absl::Mutex mu_;
  std::map<std::string, Kept> kept_ ABSL_GUARDED_BY(mu_);
  uint64_t clock_ ABSL_GUARDED_BY(mu_) = 0;  // a use counter, not time
  uint64_t made_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sct

#endif  // SCT_RUNTIME_CHANNEL_CACHE_H_
