// Lets a server answer a request from the thread that makes its writes
// durable, instead of holding its own thread until then.
//
// A handler opens a DeferredDurability on its thread and calls synchronous
// code as usual. A store that supports it (SqliteStore) sees the scope
// (Current()) and, inside it, returns from a write once the write is
// committed, with the write's own result, recording here what is still to
// be made durable (Require) instead of sleeping until its sync ends. The
// handler then ends the scope with Then(done): `done` gets OK once every
// recorded write is durable (on the thread that ended the sync, or at once,
// inline, when nothing was recorded: a read, a memory or Redis store), or
// the store's error if the sync failed. Code that must not act before the
// writes are durable (sending a push) hands its action to AfterDurable: it
// runs just before `done`, and only if the writes became durable; with no
// scope open it runs at once.
//
// A scope that is destroyed without Then waits (blocking) for what was
// recorded and runs its AfterDurable actions, so an early return cannot
// answer before the sync.
//
// One source of durability per scope: a second store asked to defer while
// another one's write is recorded (Accepts false) waits synchronously, as
// without a scope.
//
// Thread-safety: a scope belongs to the thread that opened it (Current is
// thread-local; scopes nest, the innermost is current); `done` and the
// actions may run on another thread.
#ifndef SCT_RUNTIME_DEFERRED_DURABILITY_H_
#define SCT_RUNTIME_DEFERRED_DURABILITY_H_

#include <cstdint>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"

namespace sct {

// Implemented by a store whose writes become durable after they commit.
class DurabilitySource {
 public:
  using Done = absl::AnyInvocable<void(absl::Status)>;
  virtual ~DurabilitySource() = default;
  // Calls `done` once write `ticket` (a value the store gave Require) is
  // durable: OK, or the error that stopped it. At once, on this thread, if
  // it already is (or failed); else later, on the thread that ends its sync.
  virtual void WhenDurable(int64_t ticket, Done done) = 0;
};

class DeferredDurability {
 public:
  using Done = DurabilitySource::Done;

  DeferredDurability();  // opens the scope on this thread
  ~DeferredDurability();
  DeferredDurability(const DeferredDurability&) = delete;
  DeferredDurability& operator=(const DeferredDurability&) = delete;

  // The innermost scope open on this thread, or null.
  static DeferredDurability* Current();

  // For stores: whether `source` may record a write here.
  bool Accepts(const DurabilitySource* source) const {
    return source_ == nullptr || source_ == source;
  }
  // For stores: the answer waits until `ticket` of `source` is durable
  // (tickets of one source are ordered: the largest covers the others).
  void Require(DurabilitySource* source, int64_t ticket);
  // Whether a write is recorded; for tests.
  bool pending() const { return source_ != nullptr; }

  // Runs `action` once the writes of the current scope are durable (and not
  // at all if they fail), before its `done`; at once if no scope is open.
  static void AfterDurable(absl::AnyInvocable<void()> action);

  // Closes the scope (it is no longer Current) and calls `done` as said
  // above. Call at most once.
  void Then(Done done);

 private:
  DeferredDurability* const outer_;
  bool open_ = true;
  DurabilitySource* source_ = nullptr;
  int64_t ticket_ = 0;
  std::vector<absl::AnyInvocable<void()>> after_;
};

}  // namespace sct

#endif  // SCT_RUNTIME_DEFERRED_DURABILITY_H_
