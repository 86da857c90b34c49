// The per-cycle inputs every load-generator client uses: two fresh device
// claims (sender, receiver) and two payloads (the share and the reply).
//
// Claims and request ids are UUIDv4 from common/uuid.h (RAND_bytes), as a real
// device would choose them. Payloads are NOT encrypted: they are random bytes
// of the draft's shape IV(12) || ciphertext || tag(16), `payload_bytes` long in
// total. The relay never decrypts, so real AES-GCM output would cost the
// server exactly the same; leaving it out keeps client CPU (which shares the
// machine with the server) out of the measurement.
//
// Not thread-safe: one per client thread.
#ifndef SCT_RELAY_LOADGEN_CYCLE_DATA_H_
#define SCT_RELAY_LOADGEN_CYCLE_DATA_H_

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>

namespace sct::relay::loadgen {

// Smallest payload the draft allows: IV and tag around an empty ciphertext.
inline constexpr size_t kMinPayloadBytes = 12 + 16;
inline constexpr char kPayloadType[] = "AEAD_AES_128_GCM";

class CycleData {
 public:
  CycleData(size_t payload_bytes, uint64_t seed);

  // Fresh claims and payloads.
  void NewCycle();

  const std::string& sender_claim() const { return sender_claim_; }
  const std::string& receiver_claim() const { return receiver_claim_; }
  const std::string& share_payload() const { return share_payload_; }
  const std::string& reply_payload() const { return reply_payload_; }

 private:
  void Fill(std::string* out);

  size_t payload_bytes_;
  std::mt19937_64 rng_;
  std::string sender_claim_;
  std::string receiver_claim_;
  std::string share_payload_;
  std::string reply_payload_;
};

}  // namespace sct::relay::loadgen

#endif  // SCT_RELAY_LOADGEN_CYCLE_DATA_H_
