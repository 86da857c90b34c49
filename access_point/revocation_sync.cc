#include "access_point/revocation_sync.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_mapping.h"
#include "google/protobuf/duration.pb.h"
#include "grpcpp/grpcpp.h"

namespace sct::access_point {
namespace {

namespace cav1 = ::credential_authority::v1;

void SetDeadline(grpc::ClientContext& ctx, absl::Duration d) {
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::microseconds(absl::ToInt64Microseconds(d)));
}

absl::Status FromAuthority(const grpc::Status& s, absl::string_view what) {
  absl::Status st = FromGrpcStatus(s);
  if (st.code() == absl::StatusCode::kUnavailable ||
      st.code() == absl::StatusCode::kDeadlineExceeded) {
    return MakeError(absl::StatusCode::kUnavailable, "authority_unavailable",
                     absl::StrCat(what, ": ", st.message()));
  }
  return st;
}

}  // namespace

namespace {

// One GetRevocationList call from `known_version`, its answer applied.
absl::Status PullFrom(CaStub& stub, const std::string& ap_id, absl::Duration deadline,
                      uint64_t known_version, RevocationList& list) {
  grpc::ClientContext ctx;
  SetDeadline(ctx, deadline);
  cav1::GetRevocationListRequest req;
  req.set_access_point_id(ap_id);
  req.set_known_version(known_version);
  cav1::GetRevocationListResponse resp;
  grpc::Status s = stub.GetRevocationList(&ctx, req, &resp);
  if (!s.ok()) return FromAuthority(s, "GetRevocationList");
  if (resp.has_list()) return list.ApplySnapshot(resp.list());
  if (resp.has_delta()) return list.ApplyDelta(resp.delta());
  list.NoteHeartbeat(resp.version());
  return absl::OkStatus();
}

}  // namespace

absl::Status PullRevocationList(CaStub& stub, const std::string& ap_id,
                                absl::Duration deadline, RevocationList& list) {
  absl::Status s = PullFrom(stub, ap_id, deadline, list.version(), list);
  if (!s.ok() && ReasonOf(s) == "revocation_version_gap") {
    // The delta no longer fits what we hold (our list moved meanwhile):
    // take the full list instead.
    return PullFrom(stub, ap_id, deadline, 0, list);
  }
  return s;
}

// ---------------------------------------------------------------- polling

PollingRevocationSync::PollingRevocationSync(CaStub* stub, RevocationList* list,
                                             RevocationSyncOptions options)
    : stub_(stub), list_(list), options_(std::move(options)) {}

PollingRevocationSync::~PollingRevocationSync() { Stop(); }

absl::Status PollingRevocationSync::SyncNow() {
  absl::Status s = PullRevocationList(*stub_, options_.access_point_id,
                                      options_.rpc_deadline, *list_);
  if (!s.ok()) {
    absl::MutexLock lock(&mu_);
    ++failures_;
  }
  return s;
}

uint64_t PollingRevocationSync::failures() const {
  absl::MutexLock lock(&mu_);
  return failures_;
}

void PollingRevocationSync::Start() {
  absl::MutexLock lock(&mu_);
  if (worker_.joinable() || stopping_) return;
  worker_ = std::thread([this] { Run(); });
}

void PollingRevocationSync::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (worker_.joinable()) worker_.join();
}

void PollingRevocationSync::Run() {
  while (true) {
    absl::Status s = SyncNow();
    if (!s.ok()) {
      std::cerr << "access_point: revocation poll failed: " << s << "\n";
    }
    if (options_.on_tick) options_.on_tick();
    absl::MutexLock lock(&mu_);
    // Wakes early only when Stop() sets stopping_.
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.interval)) {
      return;
    }
  }
}

// ---------------------------------------------------------------- watching

WatchRevocationSync::WatchRevocationSync(CaStub* stub, RevocationList* list,
                                         RevocationSyncOptions options)
    : stub_(stub), list_(list), options_(std::move(options)) {}

WatchRevocationSync::~WatchRevocationSync() { Stop(); }

absl::Status WatchRevocationSync::SyncNow() {
  return PullRevocationList(*stub_, options_.access_point_id,
                            options_.rpc_deadline, *list_);
}

uint64_t WatchRevocationSync::failures() const {
  absl::MutexLock lock(&mu_);
  return failures_;
}

void WatchRevocationSync::Start() {
  absl::MutexLock lock(&mu_);
  if (worker_.joinable() || stopping_) return;
  worker_ = std::thread([this] { Run(); });
}

void WatchRevocationSync::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  if (worker_.joinable()) worker_.join();
}

bool WatchRevocationSync::WatchOnce() {
  grpc::ClientContext ctx;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return false;
    context_ = &ctx;
  }
  cav1::WatchRevocationsRequest req;
  req.set_access_point_id(options_.access_point_id);
  req.set_from_version(list_->version());
  req.mutable_heartbeat_interval()->set_seconds(
      std::max<int64_t>(1, absl::ToInt64Seconds(options_.interval)));
  std::unique_ptr<grpc::ClientReaderInterface<cav1::RevocationUpdate>> reader =
      stub_->WatchRevocations(&ctx, req);
  bool got_any = false;
  bool resync = false;
  cav1::RevocationUpdate update;
  while (reader->Read(&update)) {
    got_any = true;
    absl::Status s;
    switch (update.update_case()) {
      case cav1::RevocationUpdate::kSnapshot:
        s = list_->ApplySnapshot(update.snapshot());
        break;
      case cav1::RevocationUpdate::kDelta:
        s = list_->ApplyDelta(update.delta());
        break;
      case cav1::RevocationUpdate::kHeartbeatVersion:
        list_->NoteHeartbeat(update.heartbeat_version());
        if (update.heartbeat_version() > list_->version()) {
          s = MakeError(absl::StatusCode::kFailedPrecondition,
                        "revocation_version_gap",
                        "heartbeat announces a newer version");
        }
        break;
      default:
        break;
    }
    if (options_.on_tick) options_.on_tick();
    if (!s.ok()) {
      std::cerr << "access_point: revocation update rejected: " << s << "\n";
      resync = true;
      ctx.TryCancel();
      break;
    }
  }
  grpc::Status finish = reader->Finish();
  {
    absl::MutexLock lock(&mu_);
    context_ = nullptr;
    if (stopping_) return got_any;
    ++failures_;
  }
  if (!finish.ok() && !resync) {
    std::cerr << "access_point: revocation watch ended: "
              << FromGrpcStatus(finish) << "\n";
  }
  if (resync) {
    absl::Status s = SyncNow();
    if (!s.ok()) std::cerr << "access_point: resync failed: " << s << "\n";
  }
  return got_any;
}

void WatchRevocationSync::Run() {
  absl::Duration backoff = options_.initial_backoff;
  while (true) {
    if (WatchOnce()) backoff = options_.initial_backoff;
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), backoff)) return;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

}  // namespace sct::access_point
