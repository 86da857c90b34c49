// DerivedStore in process memory: for tests and --store=memory. Nothing
// survives the process.
//
// Thread-safe (one mutex). Errors: those of DerivedStore.
#ifndef SCT_RELAY_DERIVED_MEMORY_DERIVED_STORE_H_
#define SCT_RELAY_DERIVED_MEMORY_DERIVED_STORE_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "relay/derived/derived_store.h"

namespace sct::relay::derived {

class MemoryDerivedStore : public DerivedStore {
 public:
  absl::Status Put(const std::string& location, const DerivedMessage& message,
                   absl::Time now) override;
  absl::StatusOr<DerivedMessage> Get(const std::string& location, absl::Time now) override;
  absl::Status Delete(const std::string& location, absl::Time now) override;
  absl::StatusOr<int64_t> SweepExpired(absl::Time now) override;
  absl::StatusOr<int64_t> Count() override;

 private:
  absl::Mutex mu_;
  std::map<std::string, DerivedMessage> messages_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sct::relay::derived

#endif  // SCT_RELAY_DERIVED_MEMORY_DERIVED_STORE_H_
