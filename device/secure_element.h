// The simulated secure element: P-256 key pairs generated inside and
// addressed by handle, symmetric credential keys opened inside, and the
// element's own persistent storage.
//
// The API never returns a private key or a symmetric key: callers get public
// keys (SPKI), signatures, HMAC tags and handles. A sealed symmetric
// credential key (HPKE, RFC 9180 Base mode, DHKEM(P-256)) is opened inside
// the element with the private half of one of its key pairs and kept under a
// new handle. The wallet stores its serialized state here too (StoreWallet),
// so one state file holds everything a restarted device needs.
//
// Persistence: with a non-empty state file every mutation writes the state
// durably before returning, as the newest record of an A/B slot file
// (device/state_slots.h: one fdatasync per write; mode 0600); the file
// holds private keys and is never logged. Two exceptions save a write: a key
// generated with KeyPersistence::kWithNextWrite is written by the next
// mutation (the caller makes one before the key is referenced anywhere), and
// StoreWallet with the bytes already on disk writes nothing. With an empty
// path the element is memory-only (tests).
//
// Thread-safety: all methods are thread-safe (one internal mutex).
//
// Errors: NOT_FOUND "key_not_found" for an unknown handle; INVALID_ARGUMENT
// "invalid_field" for malformed input; PERMISSION_DENIED "unseal_failed" when
// a sealed key does not open; DATA_LOSS "state_file_corrupt" when the state
// file cannot be parsed; INTERNAL for OpenSSL and file-system failures.
#ifndef SCT_DEVICE_SECURE_ELEMENT_H_
#define SCT_DEVICE_SECURE_ELEMENT_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "crypto/ecdsa.h"
#include "device/state_slots.h"

namespace sct::device {

class SecureElement {
 public:
  // Opens the element stored in `state_file` (created on first write when it
  // does not exist). "" keeps everything in memory.
  static absl::StatusOr<std::unique_ptr<SecureElement>> Open(std::string state_file);

  SecureElement(const SecureElement&) = delete;
  SecureElement& operator=(const SecureElement&) = delete;

  // When a new key reaches the state file: before GenerateKey returns, or
  // with the next mutation (StoreWallet, another key...). A crash before that
  // loses the key, so kWithNextWrite is only for a key that nothing durable
  // names yet.
  enum class KeyPersistence { kNow, kWithNextWrite };

  // A fresh P-256 key pair (RAND_bytes); returns its handle.
  absl::StatusOr<std::string> GenerateKey(KeyPersistence persistence = KeyPersistence::kNow);
  // DER SubjectPublicKeyInfo of a key.
  absl::StatusOr<std::string> PublicKeySpki(absl::string_view key_id) const;
  // ECDSA P-256/SHA-256 signature (DER) of `message`.
  absl::StatusOr<std::string> Sign(absl::string_view key_id,
                                   absl::string_view message) const;
  // Opens an HPKE-sealed symmetric key (enc || ciphertext split as given)
  // with key `key_id`; the opened key stays inside. Returns its handle.
  // `persistence` as for GenerateKey: kWithNextWrite when the caller's next
  // wallet write names the handle (nothing durable names it before).
  absl::StatusOr<std::string> OpenSealedKey(absl::string_view key_id,
                                            absl::string_view enc,
                                            absl::string_view sealed_key,
                                            absl::string_view info,
                                            KeyPersistence persistence = KeyPersistence::kNow);
  // HMAC-SHA256 of `data` under the symmetric key `handle`.
  absl::StatusOr<std::string> Hmac(absl::string_view handle,
                                   absl::string_view data) const;
  // Destroys a key pair or symmetric key. NOT_FOUND if unknown.
  absl::Status DeleteKey(absl::string_view handle);
  // Handles of the key pairs, in creation order.
  std::vector<std::string> KeyIds() const;

  // The wallet's opaque state, stored verbatim (and persisted: when the file
  // already holds exactly this state, nothing is written).
  absl::Status StoreWallet(std::string wallet_bytes);
  // How many times the state file was written (tests and counters).
  uint64_t writes() const;
  // How many times StoreWallet was called, unchanged bytes included (each call
  // is a whole-wallet serialization by the caller; tests and counters).
  uint64_t wallet_stores() const;
  std::string Wallet() const;

 private:
  explicit SecureElement(std::string state_file)
      : state_file_(std::move(state_file)), slots_(state_file_) {}
  absl::Status PersistLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string NextHandleLocked(absl::string_view prefix) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string state_file_;
  mutable absl::Mutex mu_;
  StateSlots slots_ ABSL_GUARDED_BY(mu_);
  uint64_t next_handle_ ABSL_GUARDED_BY(mu_) = 1;
  std::vector<std::string> key_order_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, crypto::EcdsaP256PrivateKey, std::less<>> keys_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string, std::less<>> symmetric_ ABSL_GUARDED_BY(mu_);
  // PKCS#8 DER of each key pair, encoded once (a key never changes).
  std::map<std::string, std::string, std::less<>> keys_der_ ABSL_GUARDED_BY(mu_);
  std::string wallet_ ABSL_GUARDED_BY(mu_);
  // The state file holds exactly the state above (after a load or a
  // successful write; false after a failed write or a deferred key).
  bool on_disk_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t writes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t wallet_stores_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sct::device

#endif  // SCT_DEVICE_SECURE_ELEMENT_H_
