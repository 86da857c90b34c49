// Collects one device's events (device.v1.DeviceAgent/WatchEvents) in the
// background for `wait_for_event` steps, reconnecting after the stream breaks
// (the device was restarted: its new process numbers its events afresh).
//
// Thread-safe: a background thread reads the stream; WaitFor and Stop may be
// called from the engine's thread. Stop (also run by the destructor) cancels
// the stream and joins the thread.
#ifndef SCT_SCENARIOS_ENGINE_EVENT_COLLECTOR_H_
#define SCT_SCENARIOS_ENGINE_EVENT_COLLECTOR_H_

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "proto/device/v1/device.grpc.pb.h"

namespace sct::scenarios {

class EventCollector {
 public:
  // Starts watching the device behind `channel`.
  explicit EventCollector(std::shared_ptr<grpc::Channel> channel);
  ~EventCollector();

  EventCollector(const EventCollector&) = delete;
  EventCollector& operator=(const EventCollector&) = delete;

  // Ends the stream and the background thread. Idempotent.
  void Stop();

  // Waits until an event not consumed yet matches `pred`, consumes it and
  // copies it to `out`. False when `deadline` passes (or Stop was called).
  bool WaitFor(const std::function<bool(const ::device::v1::DeviceEvent&)>& pred,
               absl::Time deadline, ::device::v1::DeviceEvent* out);
  // Waits until any event so far, consumed or not, matches `pred` and copies
  // it to `out` (consuming nothing). False when `deadline` passes first.
  bool Seen(const std::function<bool(const ::device::v1::DeviceEvent&)>& pred,
            absl::Time deadline, ::device::v1::DeviceEvent* out);

 private:
  void Loop();

  std::unique_ptr<::device::v1::DeviceAgent::Stub> stub_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;                          // guarded by mu_
  grpc::ClientContext* ctx_ = nullptr;             // the open stream's; guarded by mu_
  std::vector<::device::v1::DeviceEvent> events_;  // guarded by mu_
  std::vector<bool> consumed_;                     // guarded by mu_
  std::thread thread_;
};

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_ENGINE_EVENT_COLLECTOR_H_
