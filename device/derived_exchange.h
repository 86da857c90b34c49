// One exchange of draft-rescorla-tigress-http-00 seen from one endpoint,
// without transport: where message i lives, how it is sealed and opened.
// DerivedRelayClient (device/derived_relay_client.h) moves the bytes.
//
// From the 32-byte secret R (the share link's fragment) and the transcript
// (the TigressPlaintext encodings of every earlier message, in order),
// crypto/derived_schedule.h derives L_i (its base64url, common/
// derived_location.h, names the message at the relay) and K_i, the
// AES-128-GCM key (cipher suite TLS_AES_128_GCM_SHA256, the only one
// offered). A message on the wire is
// nonce(12, random) || AES-128-GCM(K_i, nonce, plaintext, aad="").
// The plaintext is TigressPlaintext: random<0..255> (16 random bytes in each
// side's first message, none later), uint16 message_id, message<0..2^32-1>.
// Message ids start at 0 with the sender and alternate (even: sender, odd:
// receiver): the exchange is lock-step. docs/variants/derived-locations.md
// says where the draft is ambiguous and what was chosen here.
//
// Sealing and opening do not advance the exchange: the caller calls
// Advance(plaintext) once the message is stored (sealed) or taken (opened),
// so a failed PUT or GET leaves the state where it was.
//
// Errors: INVALID_ARGUMENT "invalid_field" (a secret that is not 32 bytes, a
// message over 2^32-1 bytes, an Advance out of turn); PERMISSION_DENIED
// "decrypt_failed" when a message does not open under K_i;
// INVALID_ARGUMENT "bad_message" when it opens but its framing, message_id or
// random length is not the expected one (the draft: abort the run).
//
// Thread-safety: a value type; not thread-safe. It holds the secret: never
// log it; the owner keeps it only as long as the exchange runs.
#ifndef SCT_DEVICE_DERIVED_EXCHANGE_H_
#define SCT_DEVICE_DERIVED_EXCHANGE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sct::device {

inline constexpr size_t kDerivedSecretBytes = 32;
inline constexpr size_t kDerivedFirstRandomBytes = 16;
inline constexpr size_t kDerivedNonceBytes = 12;

enum class DerivedRole { kSender, kReceiver };

struct DerivedSealed {
  std::string location;   // base64url text of L_i
  std::string body;       // nonce || ciphertext || tag
  std::string plaintext;  // the TigressPlaintext (for Advance)
};

struct DerivedOpened {
  std::string message;    // the credential exchange message
  std::string plaintext;  // the TigressPlaintext (for Advance)
};

class DerivedExchange {
 public:
  static absl::StatusOr<DerivedExchange> Create(absl::string_view secret, DerivedRole role);
  // The state saved by Serialize (the device persists its exchanges).
  static absl::StatusOr<DerivedExchange> Restore(absl::string_view serialized);

  // The id of the next message, and whether this endpoint writes it.
  uint16_t next_message_id() const { return next_id_; }
  bool my_turn() const;
  DerivedRole role() const { return role_; }

  // L_i of the next message (whoever writes it).
  absl::StatusOr<std::string> NextLocation() const;
  // Seals `message` as the next message; INVALID_ARGUMENT when it is not
  // this endpoint's turn.
  absl::StatusOr<DerivedSealed> Seal(absl::string_view message) const;
  // Opens `body` as the next message; INVALID_ARGUMENT when it is this
  // endpoint's turn (it would be opening its own message).
  absl::StatusOr<DerivedOpened> Open(absl::string_view body) const;
  // Appends the next message's plaintext to the transcript.
  void Advance(absl::string_view plaintext);

  // Secret, role, transcript, next id: private state, as opaque bytes.
  std::string Serialize() const;

 private:
  DerivedExchange(std::string secret, DerivedRole role) : secret_(std::move(secret)), role_(role) {}
  std::string secret_;
  DerivedRole role_;
  std::string transcript_;
  uint16_t next_id_ = 0;
};

// TigressPlaintext encoding and decoding (exposed for tests and fuzzing).
std::string EncodeTigressPlaintext(absl::string_view random, uint16_t message_id,
                                   absl::string_view message);
struct TigressPlaintext {
  std::string random;
  uint16_t message_id = 0;
  std::string message;
};
// INVALID_ARGUMENT "bad_message" when truncated or followed by extra bytes.
absl::StatusOr<TigressPlaintext> DecodeTigressPlaintext(absl::string_view bytes);

}  // namespace sct::device

#endif  // SCT_DEVICE_DERIVED_EXCHANGE_H_
