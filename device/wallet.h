// The device's wallets: one PersonaRecord per persona (personal, work
// profile), each with its own secure-element keys, credentials (asymmetric
// certificate or symmetric key handle), shares made and mailbox exchanges,
// plus the device's OEM enrolment.
//
// Wallet is a plain value over device.state.WalletState with typed lookups
// that return stable errors; it holds no keys (only handles into the secure
// element) and does no I/O: the owner serialises it into the secure
// element's storage after each change (SecureElement::StoreWallet).
//
// Thread-compatible: the owner (DeviceAgent) locks around every use.
//
// Errors: NOT_FOUND with reasons "persona_not_found", "credential_not_found",
// "key_not_found", "share_not_found", "mailbox_not_found"; ALREADY_EXISTS
// "persona_kind_conflict"; INVALID_ARGUMENT "invalid_field".
#ifndef SCT_DEVICE_WALLET_H_
#define SCT_DEVICE_WALLET_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "device/device_state.pb.h"

namespace sct::device {

// The persona used when a request leaves `persona` empty.
inline constexpr absl::string_view kDefaultPersona = "personal";

class Wallet {
 public:
  Wallet();  // one persona, kDefaultPersona (PERSONAL)
  // From serialized WalletState; empty bytes give a fresh wallet.
  // DATA_LOSS "state_file_corrupt" when the bytes do not parse.
  static absl::StatusOr<Wallet> FromBytes(const std::string& bytes);
  std::string ToBytes() const;

  ::device::state::WalletState& state() { return state_; }
  const ::device::state::WalletState& state() const { return state_; }
  bool enrolled() const { return !state_.device_id().empty(); }

  // Adds a persona; false when it already existed with the same kind.
  absl::StatusOr<bool> AddPersona(absl::string_view name, ::common::v1::PersonaKind kind);

  // Lookups; "" names kDefaultPersona.
  absl::StatusOr<::device::state::PersonaRecord*> Persona(absl::string_view name);
  static absl::StatusOr<::device::state::CredentialRecord*> Credential(
      ::device::state::PersonaRecord& persona, absl::string_view credential_id);
  static absl::StatusOr<::device::state::KeyRecord*> Key(
      ::device::state::PersonaRecord& persona, absl::string_view key_id);
  // The exchange for `mailbox_id` in the given role; nullptr if none.
  static ::device::state::MailboxEntry* FindMailbox(::device::state::PersonaRecord& persona,
                                                    absl::string_view mailbox_id,
                                                    ::device::v1::MailboxRole role);
  // Any exchange for `mailbox_id` (either role); NOT_FOUND "mailbox_not_found".
  static absl::StatusOr<::device::state::MailboxEntry*> Mailbox(
      ::device::state::PersonaRecord& persona, absl::string_view mailbox_id);
  // The sender exchange for `share_id`; NOT_FOUND "share_not_found".
  static absl::StatusOr<::device::state::MailboxEntry*> SentShare(
      ::device::state::PersonaRecord& persona, absl::string_view share_id);
  // The credential a share was made from; NOT_FOUND "share_not_found".
  static absl::StatusOr<std::string> ShareParent(const ::device::state::PersonaRecord& persona,
                                                 absl::string_view share_id);

 private:
  ::device::state::WalletState state_;
};

}  // namespace sct::device

#endif  // SCT_DEVICE_WALLET_H_
