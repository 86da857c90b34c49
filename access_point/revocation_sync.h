// Keeps an access point's RevocationList current from the credential
// authority, through the generated CredentialAuthority::StubInterface (tests
// pass gMock stubs from credential_authority_mock.grpc.pb.h or fakes).
//
// Two implementations behind one interface:
//   PollingRevocationSync  calls GetRevocationList(known_version) every
//                          `interval` (not_modified answers are cheap; a
//                          caller behind gets a signed delta, applied as a
//                          stream delta; a delta that does not apply, a
//                          version gap, is followed by a full pull);
//   WatchRevocationSync    holds the WatchRevocations stream from the version
//                          held, applies snapshots, deltas and heartbeats as
//                          they arrive, and reconnects with exponential
//                          backoff (initial..max, reset by any message). A
//                          delta that does not apply (version gap) or a
//                          rejected update triggers a full pull and a fresh
//                          stream.
// Each tick (poll) or each stream message (watch) also runs the optional
// `on_tick` hook (main uses it to pull symmetric key grants).
//
// Thread-safety: Start/Stop/SyncNow may be called from any thread; Stop
// cancels the in-flight stream and joins the worker promptly. Ownership:
// borrows the stub and the list (they must outlive the object).
// Errors (SyncNow): the authority's status (common/status_mapping.h) with
// reason "authority_unavailable" for transport failures (UNAVAILABLE,
// DEADLINE_EXCEEDED), or the RevocationList's errors for a bad list.
#ifndef SCT_ACCESS_POINT_REVOCATION_SYNC_H_
#define SCT_ACCESS_POINT_REVOCATION_SYNC_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "access_point/revocation_list.h"
#include "proto/access_point/v1/access_point.pb.h"
#include "proto/credential_authority/v1/credential_authority.grpc.pb.h"

namespace grpc {
class ClientContext;
}

namespace sct::access_point {

using CaStub = ::credential_authority::v1::CredentialAuthority::StubInterface;

class RevocationSync {
 public:
  virtual ~RevocationSync() = default;
  // Starts the background worker (idempotent).
  virtual void Start() = 0;
  // Stops it and waits for it to exit (idempotent).
  virtual void Stop() = 0;
  // Pulls the full list now (used at start-up and by the Refresh RPC).
  virtual absl::Status SyncNow() = 0;
  virtual ::access_point::v1::RevocationSource source() const = 0;
  // Stream reconnections so far (watch) or failed polls (poll).
  virtual uint64_t failures() const = 0;
};

struct RevocationSyncOptions {
  std::string access_point_id;
  // Poll period (poll) or requested heartbeat interval (watch).
  absl::Duration interval = absl::Seconds(1);
  absl::Duration rpc_deadline = absl::Seconds(5);
  absl::Duration initial_backoff = absl::Milliseconds(50);
  absl::Duration max_backoff = absl::Seconds(5);
  std::function<void()> on_tick;  // optional
};

// One GetRevocationList round trip applied to `list` (shared by both): a
// list, a delta or a not-modified answer; on a delta's version gap, a second
// round trip with known_version 0 (the full list).
absl::Status PullRevocationList(CaStub& stub, const std::string& ap_id,
                                absl::Duration deadline, RevocationList& list);

class PollingRevocationSync : public RevocationSync {
 public:
  PollingRevocationSync(CaStub* stub, RevocationList* list,
                        RevocationSyncOptions options);
  ~PollingRevocationSync() override;
  void Start() override;
  void Stop() override;
  absl::Status SyncNow() override;
  ::access_point::v1::RevocationSource source() const override {
    return ::access_point::v1::POLL;
  }
  uint64_t failures() const override;

 private:
  void Run();
  CaStub* const stub_;
  RevocationList* const list_;
  const RevocationSyncOptions options_;
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t failures_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread worker_;
};

class WatchRevocationSync : public RevocationSync {
 public:
  WatchRevocationSync(CaStub* stub, RevocationList* list,
                      RevocationSyncOptions options);
  ~WatchRevocationSync() override;
  void Start() override;
  void Stop() override;
  absl::Status SyncNow() override;
  ::access_point::v1::RevocationSource source() const override {
    return ::access_point::v1::WATCH;
  }
  uint64_t failures() const override;

 private:
  void Run();
  // Reads one stream until it ends; true if any message arrived.
  bool WatchOnce();
  CaStub* const stub_;
  RevocationList* const list_;
  const RevocationSyncOptions options_;
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  uint64_t failures_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread worker_;
};

}  // namespace sct::access_point

#endif  // SCT_ACCESS_POINT_REVOCATION_SYNC_H_
