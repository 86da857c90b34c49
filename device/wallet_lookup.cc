#include "device/wallet_lookup.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace sct::device {

namespace ds = ::device::state;

WalletLookup& WalletLookup::Credential(absl::string_view credential_id) {
  credential_id_ = credential_id;
  return *this;
}

WalletLookup& WalletLookup::Key(absl::string_view key_id) {
  key_id_ = key_id;
  return *this;
}

WalletLookup& WalletLookup::SentShare(absl::string_view share_id) {
  exchange_by_ = ExchangeBy::kSentShare;
  exchange_id_ = share_id;
  return *this;
}

WalletLookup& WalletLookup::Mailbox(absl::string_view mailbox_id) {
  exchange_by_ = ExchangeBy::kMailbox;
  exchange_id_ = mailbox_id;
  return *this;
}

WalletLookup& WalletLookup::ReceivedMailbox(absl::string_view mailbox_id) {
  exchange_by_ = ExchangeBy::kReceivedMailbox;
  exchange_id_ = mailbox_id;
  return *this;
}

WalletLookup& WalletLookup::Enrolled() {
  enrolled_ = true;
  return *this;
}

absl::StatusOr<WalletTarget> WalletLookup::In(Wallet& wallet) const {
  WalletTarget target;
  ASSIGN_OR_RETURN(target.persona, wallet.Persona(persona_));
  if (credential_id_.has_value()) {
    ASSIGN_OR_RETURN(target.credential, Wallet::Credential(*target.persona, *credential_id_));
  }
  if (key_id_.has_value()) {
    ASSIGN_OR_RETURN(target.key, Wallet::Key(*target.persona, *key_id_));
  }
  if (exchange_by_ != ExchangeBy::kNone) {
    ASSIGN_OR_RETURN(target.exchange, FindExchange(*target.persona));
  }
  if (enrolled_) {
    ASSIGN_OR_RETURN(target.auth, DeviceAuthOf(wallet));
  }
  return target;
}

absl::StatusOr<ds::MailboxEntry*> WalletLookup::FindExchange(ds::PersonaRecord& persona) const {
  switch (exchange_by_) {
    case ExchangeBy::kSentShare:
      return Wallet::SentShare(persona, exchange_id_);
    case ExchangeBy::kMailbox:
      return Wallet::Mailbox(persona, exchange_id_);
    case ExchangeBy::kReceivedMailbox: {
      ds::MailboxEntry* entry =
          Wallet::FindMailbox(persona, exchange_id_, ::device::v1::ROLE_RECEIVER);
      if (entry != nullptr) return entry;
      return MakeError(absl::StatusCode::kNotFound, "mailbox_not_found",
                       absl::StrCat("mailbox_id: persona \"", persona.name(),
                                    "\" has not read mailbox ", exchange_id_));
    }
    case ExchangeBy::kNone:
      break;
  }
  return nullptr;
}

absl::StatusOr<::oem::v1::DeviceAuth> DeviceAuthOf(const Wallet& wallet) {
  if (!wallet.enrolled()) {
    return MakeError(absl::StatusCode::kFailedPrecondition, "not_enrolled",
                     "the device has not enrolled with its OEM (call Enrol)");
  }
  ::oem::v1::DeviceAuth auth;
  auth.set_device_id(wallet.state().device_id());
  auth.set_device_token(wallet.state().device_token());
  return auth;
}

}  // namespace sct::device
