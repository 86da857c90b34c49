#include "relay/malicious/malicious_mailbox_service.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "common/errors.h"

namespace sct::relay::malicious {
namespace {

// Claims and ids are stored lower-case (mailbox_service.h).
std::string Lower(const std::string &s) { return absl::AsciiStrToLower(s); }

bool IsParty(const Mailbox &m, const std::string &claim) {
  return claim == m.sender_claim || (!m.receiver_claim.empty() && claim == m.receiver_claim);
}

}  // namespace

std::optional<Mailbox> MaliciousMailboxService::Peek(const std::string &id) const {
  absl::StatusOr<Mailbox> m = store_->Get(Lower(id), clock_->Now());
  if (!m.ok()) return std::nullopt;
  return *std::move(m);
}

void MaliciousMailboxService::RecordPayload(const std::string &id, const Payload &payload) {
  absl::MutexLock lock(&mu_);
  history_[Lower(id)].push_back(payload);
}

absl::StatusOr<CreateMailboxResponse> MaliciousMailboxService::CreateMailbox(
    const CallContext &ctx, const CreateMailboxRequest &req) {
  absl::StatusOr<CreateMailboxResponse> out = honest_->CreateMailbox(ctx, req);
  if (!out.ok()) return out;
  if (!out->repeated) {
    RecordPayload(out->mailbox_id, req.payload);
    absl::MutexLock lock(&mu_);
    creation_index_[out->mailbox_id] = created_.size();
    created_.push_back(out->mailbox_id);
  }
  if (Has(Behaviour::kLieAboutExpiry)) out->expiration += kExpiryLie;
  return out;
}

absl::Status MaliciousMailboxService::ForceUpdate(Mailbox m, const Payload &payload) {
  // The same read-compare-swap as the honest service, without its checks.
  for (int attempt = 0; attempt < 16; ++attempt) {
    Mailbox next = m;
    next.payload = payload;
    next.version = m.version + 1;
    absl::Status s = store_->CompareAndSwap(next, m.version, clock_->Now());
    if (s.ok()) return s;
    if (!absl::IsAborted(s)) break;
    std::optional<Mailbox> again = Peek(m.id);
    if (!again.has_value()) break;
    m = *std::move(again);
  }
  return MakeError(absl::StatusCode::kUnavailable, "store_unavailable",
                   "mailbox store: temporarily unavailable; retry");
}

absl::StatusOr<UpdateMailboxResponse> MaliciousMailboxService::UpdateMailbox(
    const CallContext &ctx, const UpdateMailboxRequest &req) {
  if (Has(Behaviour::kDropRound)) {
    std::optional<Mailbox> m = Peek(req.mailbox_id);
    if (m.has_value() && IsParty(*m, Lower(req.device_claim)) && !req.payload.data.empty()) {
      absl::MutexLock lock(&mu_);
      // Acknowledged as stored, and never stored: the peer keeps reading
      // the previous round.
      if (dropped_.insert(m->id).second) return UpdateMailboxResponse{false, false};
    }
  }
  absl::StatusOr<UpdateMailboxResponse> out = honest_->UpdateMailbox(ctx, req);
  if (out.ok()) {
    if (!out->repeated) RecordPayload(req.mailbox_id, req.payload);
    return out;
  }
  // The honest service checked the request and refused the claim
  // (UNAUTHENTICATED): with kIgnoreBinding a stranger writes anyway.
  if (Has(Behaviour::kIgnoreBinding) && absl::IsUnauthenticated(out.status())) {
    std::optional<Mailbox> m = Peek(req.mailbox_id);
    if (m.has_value() && !IsParty(*m, Lower(req.device_claim))) {
      absl::Status s = ForceUpdate(*m, req.payload);
      if (!s.ok()) return s;
      RecordPayload(m->id, req.payload);
      return UpdateMailboxResponse{false, false};
    }
  }
  return out;
}

absl::StatusOr<ReadSecureContentResponse> MaliciousMailboxService::ReadSecureContent(
    const CallContext &ctx, const ReadSecureContentRequest &req) {
  absl::StatusOr<ReadSecureContentResponse> out = honest_->ReadSecureContent(ctx, req);
  if (out.ok()) {
    Distort(Lower(req.mailbox_id), *out);
    return out;
  }
  // The honest service checked the request and refused the claim because
  // the mailbox is bound to another (UNAUTHENTICATED): serve it anyway; the
  // binding stays as it was.
  if ((Has(Behaviour::kServeSecondReader) || Has(Behaviour::kIgnoreBinding)) &&
      absl::IsUnauthenticated(out.status())) {
    std::optional<Mailbox> m = Peek(req.mailbox_id);
    if (m.has_value() && !m->receiver_claim.empty() && !IsParty(*m, Lower(req.device_claim))) {
      ReadSecureContentResponse served{m->payload, m->display, m->expires_at, false};
      Distort(m->id, served);
      return served;
    }
  }
  return out;
}

void MaliciousMailboxService::Distort(const std::string &id, ReadSecureContentResponse &out) {
  if (Has(Behaviour::kReplayRound)) {
    absl::MutexLock lock(&mu_);
    auto it = history_.find(id);
    if (it != history_.end() && it->second.size() >= 2 && it->second.back() == out.payload) {
      out.payload = it->second[it->second.size() - 2];
    }
  }
  if (Has(Behaviour::kSwapPayloads)) {
    std::optional<std::string> partner;
    {
      absl::MutexLock lock(&mu_);
      auto it = creation_index_.find(id);
      if (it != creation_index_.end() && (it->second ^ 1) < created_.size()) {
        partner = created_[it->second ^ 1];
      }
    }
    if (partner.has_value()) {
      std::optional<Mailbox> other = Peek(*partner);
      if (other.has_value()) out.payload = other->payload;
    }
  }
  if (Has(Behaviour::kLieAboutExpiry)) out.expiration += kExpiryLie;
}

}  // namespace sct::relay::malicious
