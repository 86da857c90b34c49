// A closable, blocking FIFO that carries stream items (inbox messages, tap
// events) from the channel logic to whoever reads the stream.
//
// The logic pushes while holding its own lock (Push never blocks); a gRPC
// stream handler waits in Next with a short timeout so it can notice client
// cancellation. Close() ends the stream: Next drains what is queued, then
// returns nullopt at once and closed() is true. Items beyond `max_items` are
// dropped oldest-first and counted (a reader that never reads cannot grow the
// server's memory without bound).
//
// Thread-safety: all methods are thread-safe. Shared by std::shared_ptr
// between the producer (which keeps a weak_ptr) and the reader.
#ifndef SCT_CHANNEL_MESSAGE_QUEUE_H_
#define SCT_CHANNEL_MESSAGE_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace sct::channel {

template <typename T>
class MessageQueue {
 public:
  explicit MessageQueue(size_t max_items = 10000) : max_items_(max_items) {}

  void Push(T item) {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    if (items_.size() >= max_items_) {
      items_.pop_front();
      ++overflowed_;
    }
    items_.push_back(std::move(item));
  }

  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }

  // The next item, waiting up to `timeout`; nullopt on timeout, or at once
  // when the queue is closed and empty.
  std::optional<T> Next(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(this, &MessageQueue::Ready), timeout);
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

  bool closed() const {
    absl::MutexLock lock(&mu_);
    return closed_;
  }
  uint64_t overflowed() const {
    absl::MutexLock lock(&mu_);
    return overflowed_;
  }

 private:
  bool Ready() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return closed_ || !items_.empty(); }

  const size_t max_items_;
  mutable absl::Mutex mu_;
  std::deque<T> items_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t overflowed_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sct::channel

#endif  // SCT_CHANNEL_MESSAGE_QUEUE_H_
