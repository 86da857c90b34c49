#include "device/wallet.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace sct::device {

using ::device::state::CredentialRecord;
using ::device::state::KeyRecord;
using ::device::state::MailboxEntry;
using ::device::state::PersonaRecord;

Wallet::Wallet() {
  auto* p = state_.add_personas();
  p->set_name(std::string(kDefaultPersona));
  p->set_kind(::common::v1::PERSONAL);
}

absl::StatusOr<Wallet> Wallet::FromBytes(const std::string& bytes) {
  Wallet w;
  if (bytes.empty()) return w;
  if (!w.state_.ParseFromString(bytes)) {
    return MakeError(absl::StatusCode::kDataLoss, "state_file_corrupt",
                     "the wallet in the state file does not parse");
  }
  return w;
}

std::string Wallet::ToBytes() const { return state_.SerializeAsString(); }

absl::StatusOr<bool> Wallet::AddPersona(absl::string_view name,
                                        ::common::v1::PersonaKind kind) {
  if (name.empty()) return InvalidField("name", "must not be empty");
  if (name.size() > 64) return InvalidField("name", "longer than 64 characters");
  if (kind == ::common::v1::PERSONA_KIND_UNSPECIFIED) kind = ::common::v1::PERSONAL;
  for (auto& p : *state_.mutable_personas()) {
    if (p.name() == name) {
      if (p.kind() != kind) {
        return MakeError(absl::StatusCode::kAlreadyExists, "persona_kind_conflict",
                         absl::StrCat("persona \"", name, "\" exists with another kind"));
      }
      return false;
    }
  }
  auto* p = state_.add_personas();
  p->set_name(std::string(name));
  p->set_kind(kind);
  return true;
}

absl::StatusOr<PersonaRecord*> Wallet::Persona(absl::string_view name) {
  if (name.empty()) name = kDefaultPersona;
  for (auto& p : *state_.mutable_personas()) {
    if (p.name() == name) return &p;
  }
  return MakeError(absl::StatusCode::kNotFound, "persona_not_found",
                   absl::StrCat("persona: no persona \"", name, "\" on this device"));
}

absl::StatusOr<CredentialRecord*> Wallet::Credential(PersonaRecord& persona,
                                                     absl::string_view credential_id) {
  if (credential_id.empty()) return InvalidField("credential_id", "must not be empty");
  for (auto& c : *persona.mutable_credentials()) {
    if (c.credential().credential_id() == credential_id) return &c;
  }
  return MakeError(absl::StatusCode::kNotFound, "credential_not_found",
                   absl::StrCat("credential_id: persona \"", persona.name(),
                                "\" holds no credential \"", credential_id, "\""));
}

absl::StatusOr<KeyRecord*> Wallet::Key(PersonaRecord& persona, absl::string_view key_id) {
  if (key_id.empty()) return InvalidField("key_id", "must not be empty");
  for (auto& k : *persona.mutable_keys()) {
    if (k.key_id() == key_id) return &k;
  }
  return MakeError(absl::StatusCode::kNotFound, "key_not_found",
                   absl::StrCat("key_id: persona \"", persona.name(), "\" has no key \"",
                                key_id, "\""));
}

MailboxEntry* Wallet::FindMailbox(PersonaRecord& persona, absl::string_view mailbox_id,
                                  ::device::v1::MailboxRole role) {
  for (auto& m : *persona.mutable_mailboxes()) {
    if (m.mailbox_id() == mailbox_id && m.role() == role) return &m;
  }
  return nullptr;
}

absl::StatusOr<MailboxEntry*> Wallet::Mailbox(PersonaRecord& persona,
                                              absl::string_view mailbox_id) {
  if (mailbox_id.empty()) return InvalidField("mailbox_id", "must not be empty");
  for (auto& m : *persona.mutable_mailboxes()) {
    if (m.mailbox_id() == mailbox_id) return &m;
  }
  return MakeError(absl::StatusCode::kNotFound, "mailbox_not_found",
                   absl::StrCat("mailbox_id: persona \"", persona.name(),
                                "\" has no exchange for mailbox ", mailbox_id));
}

absl::StatusOr<MailboxEntry*> Wallet::SentShare(PersonaRecord& persona,
                                                absl::string_view share_id) {
  if (share_id.empty()) return InvalidField("share_id", "must not be empty");
  for (auto& m : *persona.mutable_mailboxes()) {
    if (m.share_id() == share_id && m.role() == ::device::v1::ROLE_SENDER) return &m;
  }
  return MakeError(absl::StatusCode::kNotFound, "share_not_found",
                   absl::StrCat("share_id: persona \"", persona.name(),
                                "\" made no share \"", share_id, "\""));
}

absl::StatusOr<std::string> Wallet::ShareParent(const PersonaRecord& persona,
                                                absl::string_view share_id) {
  if (share_id.empty()) return InvalidField("share_id", "must not be empty");
  for (const auto& s : persona.shares()) {
    if (s.share_id() == share_id) return s.credential_id();
  }
  return MakeError(absl::StatusCode::kNotFound, "share_not_found",
                   absl::StrCat("share_id: persona \"", persona.name(),
                                "\" made no share \"", share_id, "\""));
}

}  // namespace sct::device
