// MailboxIo in derived mode: one exchange of draft-rescorla-tigress-http-00
// over the DerivedRelayClient (device/derived_exchange.h does the crypto).
#include <utility>

#include "common/errors.h"
#include "common/status_macros.h"
#include "device/derived_exchange.h"
#include "device/mailbox_io.h"

namespace sct::device {
namespace {

namespace dv = ::device::v1;
using ::device::state::MailboxEntry;

absl::StatusOr<dv::MailboxContent> ParseContent(const std::string& message) {
  dv::MailboxContent content;
  if (!content.ParseFromString(message) || content.version() != kMailboxContentVersion) {
    return InvalidField("payload", "not a version-1 device.v1.MailboxContent");
  }
  return content;
}

// What Read answers while the peer has not written: the last round again.
dv::MailboxContent Unchanged(const MailboxEntry& entry) {
  dv::MailboxContent content;
  content.set_version(kMailboxContentVersion);
  content.set_round(entry.round());
  return content;
}

}  // namespace

absl::Status MailboxIo::CreateDerived(MailboxEntry& entry, dv::MailboxContent content) const {
  ASSIGN_OR_RETURN(DerivedExchange exchange,
                   DerivedExchange::Create(entry.secret(), DerivedRole::kSender));
  entry.set_round(0);
  entry.set_derived_state(exchange.Serialize());
  ASSIGN_OR_RETURN(std::string first_location, exchange.NextLocation());
  entry.set_mailbox_id(first_location);
  return WriteDerived(entry, std::move(content)).status();
}

absl::StatusOr<dv::MailboxContent> MailboxIo::FirstReadDerived(MailboxEntry& entry) const {
  ASSIGN_OR_RETURN(DerivedExchange exchange,
                   DerivedExchange::Create(entry.secret(), DerivedRole::kReceiver));
  ASSIGN_OR_RETURN(std::string location, exchange.NextLocation());
  entry.set_mailbox_id(location);
  entry.set_round(0);
  entry.set_derived_state(exchange.Serialize());
  ASSIGN_OR_RETURN(dv::MailboxContent content, ReadDerived(entry));
  if (content.round() == 0) {
    return MakeError(absl::StatusCode::kNotFound, "message_not_found",
                     "no offer at the link's first location (taken by another reader, "
                     "withdrawn or expired)");
  }
  return content;
}

absl::StatusOr<dv::MailboxContent> MailboxIo::ReadDerived(MailboxEntry& entry) const {
  ASSIGN_OR_RETURN(DerivedExchange exchange, DerivedExchange::Restore(entry.derived_state()));
  if (exchange.my_turn()) return Unchanged(entry);
  ASSIGN_OR_RETURN(std::string location, exchange.NextLocation());
  absl::StatusOr<std::string> body = derived_->Get(location);
  if (body.status().code() == absl::StatusCode::kNotFound) return Unchanged(entry);
  RETURN_IF_ERROR(body.status());
  // The draft: delete immediately after retrieval, before anything else.
  absl::Status deleted = derived_->Delete(location);
  if (!deleted.ok() && deleted.code() != absl::StatusCode::kNotFound) return deleted;
  ASSIGN_OR_RETURN(DerivedOpened opened, exchange.Open(*body));
  Observe(opened.message);
  ASSIGN_OR_RETURN(dv::MailboxContent content, ParseContent(opened.message));
  exchange.Advance(opened.plaintext);
  entry.set_derived_state(exchange.Serialize());
  entry.clear_derived_pending_location();
  return content;
}

absl::StatusOr<bool> MailboxIo::WriteDerived(MailboxEntry& entry,
                                             dv::MailboxContent content) const {
  ASSIGN_OR_RETURN(DerivedExchange exchange, DerivedExchange::Restore(entry.derived_state()));
  content.set_version(kMailboxContentVersion);
  content.set_round(entry.round() + 1);
  const std::string plaintext = content.SerializeAsString();
  Observe(plaintext);
  ASSIGN_OR_RETURN(DerivedSealed sealed, exchange.Seal(plaintext));
  RETURN_IF_ERROR(derived_->Put(sealed.location, sealed.body));
  exchange.Advance(sealed.plaintext);
  entry.set_derived_state(exchange.Serialize());
  entry.set_derived_pending_location(sealed.location);
  entry.set_round(content.round());
  return false;  // the design has no push: the peer polls
}

absl::Status MailboxIo::DeleteDerived(const MailboxEntry& entry) const {
  if (entry.derived_pending_location().empty()) {
    return MakeError(absl::StatusCode::kNotFound, "message_not_found",
                     "no unread message of this device to withdraw");
  }
  return derived_->Delete(entry.derived_pending_location());
}

}  // namespace sct::device
