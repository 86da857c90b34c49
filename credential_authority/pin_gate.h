// The PIN rules of a share (pin.h holds the PIN format and its verifiers).
//
// When a share is made: with intent.pin_required the PIN must be 6 digits and
// only its verifier, keyed by the authority's PIN key, is kept; without it no
// PIN may be given.
//
// When a share is redeemed: a share that needs a PIN admits a redemption only
// with the right PIN, and at most max_attempts PINs (kMaxPinAttempts unless the
// authority sets another limit) are ever tested for a share. A verifier the
// gate cannot check (made under another PIN key, or malformed) is refused
// before any attempt is counted. Each attempt is first reserved in the ledger
// (a conditional UPDATE that counts it), and only then checked, so parallel
// guesses cannot exceed the limit. A wrong PIN keeps its count and locks the
// share at the limit; a right PIN's attempt is handed back, by the
// redemption's commit or, when the redemption fails for another reason, by the
// PinAttempt's destructor.
//
// Thread-safety: thread-safe. Ownership: borrows the ledger.
// Errors: VerifierForNewShare: INVALID_ARGUMENT "invalid_field" naming "pin";
// INTERNAL on an OpenSSL failure. Admit: PERMISSION_DENIED "pin_required" /
// "wrong_pin" ("the share is now locked" on the last attempt);
// INVALID_ARGUMENT "invalid_field"; FAILED_PRECONDITION "share_locked" when
// no attempt is left (or the share's state reason when it left PENDING);
// NOT_FOUND "share_not_found"; FAILED_PRECONDITION "pin_key_mismatch" and
// INTERNAL "pin_verifier_malformed" (pin.h CheckPinVerifier, no attempt
// counted); INTERNAL on an OpenSSL failure.
#ifndef SCT_CREDENTIAL_AUTHORITY_PIN_GATE_H_
#define SCT_CREDENTIAL_AUTHORITY_PIN_GATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "credential_authority/ledger.h"
#include "credential_authority/pin.h"

namespace sct::ca {

// An attempt reserved for a right PIN, or no attempt (share without a PIN).
// Gives the attempt back to the ledger when destroyed, unless the redemption's
// commit took it over (TakenByCommit). Move-only.
class PinAttempt {
 public:
  PinAttempt() = default;
  PinAttempt(Ledger* ledger, std::string share_id)
      : ledger_(ledger), share_id_(std::move(share_id)) {}
  PinAttempt(PinAttempt&& other) noexcept;
  PinAttempt& operator=(PinAttempt&& other) noexcept;
  PinAttempt(const PinAttempt&) = delete;
  PinAttempt& operator=(const PinAttempt&) = delete;
  ~PinAttempt();

  // True while an attempt is reserved.
  bool held() const { return ledger_ != nullptr; }
  // The committed redemption gave the attempt back.
  void TakenByCommit() { ledger_ = nullptr; }

 private:
  void Release();

  Ledger* ledger_ = nullptr;
  std::string share_id_;
};

class PinGate {
 public:
  // `max_attempts`: wrong PINs that lock a share (kMaxPinAttempts by default).
  // `pin_key`: makes new verifiers and checks keyed ones (pin.h).
  PinGate(Ledger* ledger, PinKey pin_key, uint32_t max_attempts = kMaxPinAttempts)
      : ledger_(ledger), pin_key_(std::move(pin_key)), max_attempts_(max_attempts) {}

  // Shares still pending at `now` whose PIN verifier was made under another
  // PIN key (the ledger's CountPendingSharesUnderOtherPinKey for this key).
  absl::StatusOr<uint64_t> PendingSharesUnderAnotherKey(absl::Time now) const {
    return ledger_->CountPendingSharesUnderOtherPinKey(pin_key_.id(), now);
  }

  // The verifier to record for a new share (nullopt when no PIN is required).
  absl::StatusOr<std::optional<PinHash>> VerifierForNewShare(bool pin_required,
                                                             const std::string& pin) const;

  // Lets a redemption of `share` pass with `pin`: no attempt when the share
  // needs no PIN, a reserved attempt when the PIN is right.
  absl::StatusOr<PinAttempt> Admit(const ShareRow& share, const std::string& pin, absl::Time now);

 private:
  Ledger* const ledger_;
  const PinKey pin_key_;
  const uint32_t max_attempts_;
};

}  // namespace sct::ca

#endif  // SCT_CREDENTIAL_AUTHORITY_PIN_GATE_H_
