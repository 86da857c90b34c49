#include "relay/loadgen/cycle_data.h"

#include <cstring>

#include "common/uuid.h"

namespace sct::relay::loadgen {

CycleData::CycleData(size_t payload_bytes, uint64_t seed)
    : payload_bytes_(payload_bytes < kMinPayloadBytes ? kMinPayloadBytes : payload_bytes),
      rng_(seed) {}

void CycleData::Fill(std::string* out) {
  out->resize(payload_bytes_);
  size_t i = 0;
  while (i < payload_bytes_) {
    const uint64_t v = rng_();
    const size_t n = payload_bytes_ - i < sizeof(v) ? payload_bytes_ - i : sizeof(v);
    std::memcpy(&(*out)[i], &v, n);
    i += n;
  }
}

void CycleData::NewCycle() {
  sender_claim_ = NewUuidV4();
  receiver_claim_ = NewUuidV4();
  Fill(&share_payload_);
  Fill(&reply_payload_);
}

}  // namespace sct::relay::loadgen
