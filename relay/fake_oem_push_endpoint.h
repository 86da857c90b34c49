// A fake OEM push endpoint (oem.v1.Oem/Notify) for the relay's push tests:
// records each Notify and answers it with what AnswerWith set (default: OK,
// accepted); while held, a Notify waits for Release(). Thread-safe. testonly.
#ifndef SCT_RELAY_FAKE_OEM_PUSH_ENDPOINT_H_
#define SCT_RELAY_FAKE_OEM_PUSH_ENDPOINT_H_

#include <cstddef>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "proto/oem/v1/oem.grpc.pb.h"

namespace sct::relay {

class FakeOemPushEndpoint final : public ::oem::v1::Oem::Service {
 public:
  grpc::Status Notify(grpc::ServerContext*, const ::oem::v1::NotifyRequest* request,
                      ::oem::v1::NotifyResponse* response) override {
    absl::MutexLock lock(&mu_);
    seen_.push_back(*request);
    mu_.Await(absl::Condition(
        +[](bool* held) { return !*held; }, &held_));
    response->set_accepted(accept_);
    return answer_;
  }
  void Hold() {
    absl::MutexLock lock(&mu_);
    held_ = true;
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    held_ = false;
  }
  void AnswerWith(grpc::Status answer, bool accept = true) {
    absl::MutexLock lock(&mu_);
    answer_ = std::move(answer);
    accept_ = accept;
  }
  // Waits until `n` Notify calls have arrived.
  void AwaitCalls(size_t n) {
    absl::MutexLock lock(&mu_);
    auto arrived = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return seen_.size() >= n; };
    mu_.Await(absl::Condition(&arrived));
  }
  std::vector<::oem::v1::NotifyRequest> seen() {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

 private:
  absl::Mutex mu_;
  std::vector<::oem::v1::NotifyRequest> seen_ ABSL_GUARDED_BY(mu_);
  bool held_ ABSL_GUARDED_BY(mu_) = false;
  bool accept_ ABSL_GUARDED_BY(mu_) = true;
  grpc::Status answer_ ABSL_GUARDED_BY(mu_) = grpc::Status::OK;
};

}  // namespace sct::relay

#endif  // SCT_RELAY_FAKE_OEM_PUSH_ENDPOINT_H_
