// The one lookup every DeviceAgent operation starts with: the persona a
// request names, the credential, key or exchange inside it, and the device's
// OEM credentials when the operation calls the OEM.
//
//   ASSIGN_OR_RETURN(WalletTarget target, WalletLookup(req.persona())
//                                             .Credential(req.credential_id())
//                                             .Enrolled()
//                                             .In(wallet));
//
// Checks run in a fixed order, so an operation reports the first problem the
// same way every time: persona, credential, key, exchange, enrolment.
//
// Errors (codes, reasons and messages are part of the control API):
//   NOT_FOUND "persona_not_found", "credential_not_found", "key_not_found",
//   "share_not_found" (SentShare), "mailbox_not_found" (Mailbox,
//   ReceivedMailbox); INVALID_ARGUMENT "invalid_field" for an empty
//   credential, key, share or mailbox id (ReceivedMailbox takes any id);
//   FAILED_PRECONDITION "not_enrolled".
//
// Thread-compatible: the pointers in a WalletTarget point into the wallet and
// are valid while the caller holds the wallet's lock and does not add or
// remove records. The lookup keeps views of the strings it is given: use it
// within the statement that builds it.
#ifndef SCT_DEVICE_WALLET_LOOKUP_H_
#define SCT_DEVICE_WALLET_LOOKUP_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "device/device_state.pb.h"
#include "device/wallet.h"
#include "proto/oem/v1/oem.pb.h"

namespace sct::device {

// What an operation works on. Fields not asked for stay null / empty.
struct WalletTarget {
  ::device::state::PersonaRecord* persona = nullptr;
  ::device::state::CredentialRecord* credential = nullptr;
  ::device::state::KeyRecord* key = nullptr;
  ::device::state::MailboxEntry* exchange = nullptr;
  ::oem::v1::DeviceAuth auth;  // set by Enrolled()
};

class WalletLookup {
 public:
  // The persona named `persona` ("" names kDefaultPersona).
  explicit WalletLookup(absl::string_view persona) : persona_(persona) {}

  // The persona's credential with this id.
  WalletLookup& Credential(absl::string_view credential_id);
  // The persona's key with this id.
  WalletLookup& Key(absl::string_view key_id);
  // The exchange in which the persona sent share `share_id`.
  WalletLookup& SentShare(absl::string_view share_id);
  // The persona's exchange for `mailbox_id`, in either role.
  WalletLookup& Mailbox(absl::string_view mailbox_id);
  // The exchange in which the persona read (received) `mailbox_id`.
  WalletLookup& ReceivedMailbox(absl::string_view mailbox_id);
  // The device's OEM credentials (it must have enrolled).
  WalletLookup& Enrolled();

  absl::StatusOr<WalletTarget> In(Wallet& wallet) const;

 private:
  enum class ExchangeBy { kNone, kSentShare, kMailbox, kReceivedMailbox };

  absl::StatusOr<::device::state::MailboxEntry*> FindExchange(
      ::device::state::PersonaRecord& persona) const;

  absl::string_view persona_;
  absl::optional<absl::string_view> credential_id_;
  absl::optional<absl::string_view> key_id_;
  ExchangeBy exchange_by_ = ExchangeBy::kNone;
  absl::string_view exchange_id_;
  bool enrolled_ = false;
};

// The device's OEM credentials; FAILED_PRECONDITION "not_enrolled" before
// enrolment.
absl::StatusOr<::oem::v1::DeviceAuth> DeviceAuthOf(const Wallet& wallet);

}  // namespace sct::device

#endif  // SCT_DEVICE_WALLET_LOOKUP_H_
