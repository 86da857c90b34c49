#include "credential_authority/pin_gate.h"

#include <iostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace sct::ca {

PinAttempt::PinAttempt(PinAttempt&& other) noexcept
    : ledger_(std::exchange(other.ledger_, nullptr)), share_id_(std::move(other.share_id_)) {}

PinAttempt& PinAttempt::operator=(PinAttempt&& other) noexcept {
  if (this != &other) {
    Release();
    ledger_ = std::exchange(other.ledger_, nullptr);
    share_id_ = std::move(other.share_id_);
  }
  return *this;
}

PinAttempt::~PinAttempt() { Release(); }

void PinAttempt::Release() {
  if (ledger_ != nullptr) ledger_->ReleasePinAttempt(share_id_).IgnoreError();
  ledger_ = nullptr;
}

absl::StatusOr<std::optional<PinHash>> PinGate::VerifierForNewShare(bool pin_required,
                                                                    const std::string& pin) const {
  if (!pin_required) {
    if (!pin.empty()) return InvalidField("pin", "given but intent.pin_required is false");
    return std::optional<PinHash>();
  }
  RETURN_IF_ERROR(ValidatePin(pin, "pin"));
  ASSIGN_OR_RETURN(PinHash hash, HashPin(pin, pin_key_));
  return std::optional<PinHash>(std::move(hash));
}

absl::StatusOr<PinAttempt> PinGate::Admit(const ShareRow& share, const std::string& pin,
                                          absl::Time now) {
  if (!share.record.pin_required()) return PinAttempt();
  const std::string& share_id = share.record.share_id();
  if (pin.empty()) {
    return MakeError(absl::StatusCode::kPermissionDenied, "pin_required",
                     "this share requires its PIN");
  }
  RETURN_IF_ERROR(ValidatePin(pin, "pin"));
  const PinHash stored{share.pin_salt, share.pin_hash, share.pin_iterations};
  // The authority's fault, not the guesser's: no attempt is spent on it.
  if (absl::Status checkable = CheckPinVerifier(stored, pin_key_); !checkable.ok()) {
    std::cerr << "ca: PIN verifier unusable share=" << share_id << ": " << checkable.message()
              << "\n";
    return checkable;
  }
  RETURN_IF_ERROR(ledger_->ReservePinAttempt(share_id, max_attempts_, now));
  absl::StatusOr<bool> right = VerifyPin(pin, stored, pin_key_);
  if (right.ok() && *right) return PinAttempt(ledger_, share_id);
  // A wrong (or uncheckable) PIN keeps the attempt counted.
  ASSIGN_OR_RETURN(uint32_t attempts, ledger_->RecordWrongPin(share_id, max_attempts_));
  RETURN_IF_ERROR(right.status());
  std::cerr << "ca: wrong PIN share=" << share_id << " attempts=" << attempts << "\n";
  return MakeError(absl::StatusCode::kPermissionDenied, "wrong_pin",
                   attempts >= max_attempts_
                       ? std::string("wrong PIN; the share is now locked")
                       : absl::StrCat("wrong PIN; ", max_attempts_ - attempts, " attempts left"));
}

}  // namespace sct::ca
