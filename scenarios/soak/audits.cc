#include "scenarios/soak/audits.h"

#include <openssl/rand.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/rfc3339.h"
#include "common/share_link.h"
#include "common/status_mapping.h"
#include "common/uuid.h"
#include "grpcpp/grpcpp.h"
#include "proto/relay/v1/relay.grpc.pb.h"

namespace sct::soak {
namespace {

namespace dv1 = ::device::v1;
namespace rv1 = ::relay::v1;
constexpr char kPersona[] = "personal";
constexpr char kMallorySms[] = "+15550009";
// Shares per ListShares page in the ledger audit (the authority allows up to
// 1000; a smaller page makes the audit follow pages in every long run).
constexpr int kAuditPageSize = 500;

std::chrono::system_clock::time_point Deadline(const SoakContext& ctx) {
  return absl::ToChronoTime(absl::Now() + ctx.options->rpc_timeout);
}

// AcceptLink of the full `link` by `who`: "" when provisioned, else why not.
std::string AcceptFull(SoakContext& ctx, dv1::DeviceAgent::Stub& who, const std::string& link,
                       std::string* credential_id) {
  dv1::AcceptLinkRequest req;
  req.set_request_id(NewUuidV4());
  req.set_persona(kPersona);
  req.set_link(link);
  dv1::AcceptLinkResponse resp;
  grpc::ClientContext call;
  call.set_deadline(Deadline(ctx));
  grpc::Status s = who.AcceptLink(&call, req, &resp);
  if (!s.ok()) return FromGrpcStatus(s).ToString();
  if (resp.outcome() != dv1::ACCEPT_PROVISIONED) {
    return absl::StrCat("outcome ", dv1::AcceptOutcome_Name(resp.outcome()));
  }
  *credential_id = resp.credential_id();
  return "";
}

}  // namespace

std::string RedemptionRace::AwaitLink(const std::string& link_without_fragment,
                                      std::string* error) {
  const absl::Time until = absl::Now() + ctx_.options->link_timeout;
  while (!ctx_.stopping()) {
    ::channel::v1::ReceiveRequest req;
    req.set_kind(::common::v1::SMS);
    req.set_address(kMallorySms);
    req.set_after_sequence(cursor_);
    ::channel::v1::ReceiveResponse resp;
    grpc::ClientContext call;
    call.set_deadline(Deadline(ctx_));
    grpc::Status s = inbox_.Receive(&call, req, &resp);
    if (s.error_code() == grpc::StatusCode::OUT_OF_RANGE && cursor_ > 0) {
      cursor_ = 0;  // the channel server restarted with an empty inbox
      continue;
    }
    if (!s.ok()) {
      *error = absl::StrCat("Receive: ", FromGrpcStatus(s).ToString());
      return "";
    }
    for (const ::channel::v1::ChannelMessage& m : resp.messages()) {
      cursor_ = std::max<uint64_t>(cursor_, m.sequence());
      for (const std::string& url : FindUrls(m.body())) {
        if (absl::StartsWith(url, link_without_fragment + "#")) return url;
      }
    }
    if (absl::Now() >= until) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  *error = "no link in mallory's inbox";
  return "";
}

RedemptionRace::Result RedemptionRace::Run(dv1::DeviceAgent::Stub& bob,
                                           dv1::DeviceAgent::Stub& mallory) {
  Result r;
  dv1::ShareCredentialRequest req;
  req.set_request_id(NewUuidV4());
  req.set_persona(kPersona);
  req.set_credential_id(owner_);
  req.add_entitlements("unlock");
  req.set_channel(::common::v1::SMS);
  req.set_from_address("+15550001");
  req.set_to_address(kMallorySms);
  req.set_vertical(::common::v1::VERTICAL_CAR);
  dv1::ShareCredentialResponse share;
  grpc::ClientContext call;
  call.set_deadline(Deadline(ctx_));
  grpc::Status s = alice_.ShareCredential(&call, req, &share);
  if (!s.ok()) {
    r.error = absl::StrCat("share: ", FromGrpcStatus(s).ToString());
    return r;
  }
  r.share_id = share.share_id();
  std::string link = AwaitLink(share.link_without_fragment(), &r.error);
  if (link.empty()) return r;
  std::string bob_result, mallory_result, bob_credential, mallory_credential;
  std::thread t([&] { bob_result = AcceptFull(ctx_, bob, link, &bob_credential); });
  mallory_result = AcceptFull(ctx_, mallory, link, &mallory_credential);
  t.join();
  if (bob_result.empty()) {
    r.winner = "bob";
    r.credential_id = bob_credential;
  } else if (mallory_result.empty()) {
    r.winner = "mallory";
    r.credential_id = mallory_credential;
  }
  const int winners = bob_result.empty() + mallory_result.empty();
  const std::string violation =
      JudgeRace(absl::StrCat("redemption of share ", r.share_id), winners, 2);
  if (!violation.empty()) {
    ctx_.book->Violated(absl::Now(), kSingleRedemption, violation);
  } else {
    ctx_.book->Held(kSingleRedemption);
  }
  if (winners == 0) {
    r.error = NobodyRedeemed({{"bob", bob_result}, {"mallory", mallory_result}});
  }
  return r;
}

namespace {

class RelayProbe {
 public:
  RelayProbe(SoakContext& ctx, std::unique_ptr<rv1::Relay::Stub> relay)
      : ctx_(ctx), relay_(std::move(relay)) {
    absl::MutexLock lock(ctx.eco_mu);
    for (const std::string& name : ctx.eco->Names()) {
      const scenarios::Service* s = ctx.eco->Find(name);
      if (s != nullptr && s->kind == scenarios::ServiceKind::kRedis) redis_names_.push_back(name);
    }
  }

  void Run() {
    int checked_restarts = 0;
    absl::Time last_sample = absl::Now();
    for (int i = 0; !ctx_.stopping(); ++i) {
      CreateAndRace(i);
      const int restarts = RelayRestarts();
      if (restarts != checked_restarts) {
        // The relay is back (the restart is complete): read everything back.
        checked_restarts = restarts;
        Recheck(/*all=*/true);
      } else if (absl::Now() - last_sample > absl::Seconds(30)) {
        last_sample = absl::Now();
        Recheck(/*all=*/false);
      }
      ctx_.Pause(absl::Seconds(1));
    }
  }

 private:
  // Reads `id` as `claim`: the payload bytes, or the error.
  absl::StatusOr<std::string> Read(const std::string& id, const std::string& claim) {
    rv1::ReadSecureContentRequest req;
    req.set_mailbox_id(id);
    req.set_device_claim(claim);
    req.set_request_id(NewUuidV4());
    rv1::ReadSecureContentResponse resp;
    grpc::ClientContext call;
    call.set_deadline(Deadline(ctx_));
    grpc::Status s = relay_->ReadSecureContent(&call, req, &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    return resp.payload().data();
  }

  // Creates one mailbox; its id once acknowledged, "" otherwise.
  std::string Create(MailboxLedger::Entry* entry) {
    rv1::CreateMailboxRequest req;
    entry->sender_claim = NewUuidV4();
    req.set_device_claim(entry->sender_claim);
    req.set_request_id(NewUuidV4());
    entry->payload.resize(64);
    RAND_bytes(reinterpret_cast<unsigned char*>(entry->payload.data()), 64);
    req.mutable_payload()->set_type("AEAD_AES_128_GCM");
    req.mutable_payload()->set_data(entry->payload);
    req.mutable_display_information()->set_title("soak");
    entry->expires = absl::Now() + absl::Hours(2);
    req.mutable_mailbox_configuration()->set_expiration(FormatRfc3339(entry->expires));
    rv1::CreateMailboxResponse resp;
    grpc::ClientContext call;
    call.set_deadline(Deadline(ctx_));
    const absl::Time t0 = absl::Now();
    grpc::Status s = relay_->CreateMailbox(&call, req, &resp);
    if (!s.ok()) {
      ctx_.book->FlowFailed("mailbox_create", t0, absl::Now(), FromGrpcStatus(s).ToString());
      return "";
    }
    absl::StatusOr<ShareLink> link = ParseMailboxUrl(resp.url_link());
    if (!link.ok()) {
      ctx_.book->FlowFailed("mailbox_create", t0, absl::Now(), link.status().ToString());
      return "";
    }
    return link->mailbox_id;
  }

  void CreateAndRace(int i) {
    MailboxLedger::Entry entry;
    const std::string id = Create(&entry);
    if (id.empty()) return;
    ctx_.mailboxes->Acknowledge(id, entry);
    const absl::Time t0 = absl::Now();
    const std::string claims[2] = {NewUuidV4(), NewUuidV4()};
    absl::StatusOr<std::string> reads[2];
    std::thread t([&] { reads[1] = Read(id, claims[1]); });
    reads[0] = Read(id, claims[0]);
    t.join();
    const int winners = reads[0].ok() + reads[1].ok();
    const std::string violation = JudgeRace(absl::StrCat("binding of mailbox ", id), winners, 2);
    if (!violation.empty()) {
      ctx_.book->Violated(absl::Now(), kSingleBinding, violation);
      return;
    }
    ctx_.book->Held(kSingleBinding);
    if (winners == 0) {
      ctx_.book->FlowFailed(
          "mailbox_bind", t0, absl::Now(),
          absl::StrCat(reads[0].status().ToString(), "; ", reads[1].status().ToString()));
      return;
    }
    ctx_.mailboxes->Bound(id, claims[reads[0].ok() ? 0 : 1]);
    ctx_.book->FlowOk("mailbox_create_bind");
    if (i % 5 == 4) Delete(id, entry.sender_claim);
  }

  void Delete(const std::string& id, const std::string& claim) {
    rv1::DeleteMailboxRequest req;
    req.set_mailbox_id(id);
    req.set_device_claim(claim);
    req.set_request_id(NewUuidV4());
    rv1::DeleteMailboxResponse resp;
    grpc::ClientContext call;
    call.set_deadline(Deadline(ctx_));
    const absl::Time t0 = absl::Now();
    // Marked deleted before the call: a deletion that took effect but whose
    // answer was lost must not read as a lost mailbox.
    ctx_.mailboxes->Deleted(id);
    grpc::Status s = relay_->DeleteMailbox(&call, req, &resp);
    if (s.ok()) {
      ctx_.book->FlowOk("mailbox_delete");
    } else {
      ctx_.book->FlowFailed("mailbox_delete", t0, absl::Now(), FromGrpcStatus(s).ToString());
    }
  }

  // Reads back every live acknowledged mailbox (`all`) or the 20 newest.
  void Recheck(bool all) {
    std::vector<std::string> ids = ctx_.mailboxes->Live(absl::Now());
    if (!all && ids.size() > 20) ids.erase(ids.begin(), ids.end() - 20);
    for (const std::string& id : ids) {
      if (ctx_.stopping()) return;
      std::optional<MailboxLedger::Entry> e = ctx_.mailboxes->Get(id);
      if (!e.has_value()) continue;
      const std::string claim = e->receiver_claim.empty() ? e->sender_claim : e->receiver_claim;
      const absl::Time t0 = absl::Now();
      absl::StatusOr<std::string> payload = Read(id, claim);
      // A read that did not reach the relay says nothing about the mailbox:
      // try again (a few times) before counting it as a flow error.
      for (int attempt = 1; attempt < 4 && !payload.ok() && !ctx_.stopping() &&
                            ClassifyError(payload.status().ToString()) == ErrorClass::kTransient;
           ++attempt) {
        ctx_.Pause(absl::Seconds(1));
        payload = Read(id, claim);
      }
      const std::string violation = ctx_.mailboxes->JudgeRead(id, absl::Now(), payload);
      if (!violation.empty()) {
        ctx_.book->Violated(absl::Now(), kMailboxDurable, violation);
      } else if (payload.ok()) {
        ctx_.book->Held(kMailboxDurable);
      } else {
        ctx_.book->FlowFailed("mailbox_recheck", t0, absl::Now(), payload.status().ToString());
      }
    }
  }

  // Completed restarts of the relay and of the Redis under it.
  int RelayRestarts() const {
    int n = ctx_.timeline->Restarts("relay");
    for (const std::string& name : redis_names_) n += ctx_.timeline->Restarts(name);
    return n;
  }

  SoakContext& ctx_;
  std::unique_ptr<rv1::Relay::Stub> relay_;
  std::vector<std::string> redis_names_;
};

// One ListShares of `source` judged against what was acknowledged before it.
void AuditSource(SoakContext& ctx, dv1::DeviceAgent::Stub& sharer,
                 const ShareLedger::Source& source) {
  const std::set<std::string> acked = ctx.shares->Acked(source);
  dv1::ListSharesRequest req;
  req.set_persona(kPersona);
  req.set_credential_id(source.credential_id);
  req.set_include_descendants(true);
  req.set_page_size(kAuditPageSize);
  const absl::Time t0 = absl::Now();
  std::vector<ShareLedger::Listed> listed;
  do {  // every page of the tree
    ::credential_authority::v1::ListSharesResponse resp;
    grpc::ClientContext call;
    call.set_deadline(Deadline(ctx));
    grpc::Status s = sharer.ListShares(&call, req, &resp);
    if (!s.ok()) {
      ctx.book->FlowFailed("ledger_audit", t0, absl::Now(), FromGrpcStatus(s).ToString());
      return;
    }
    for (const ::common::v1::ShareRecord& r : resp.shares()) {
      listed.push_back(ShareLedger::Listed{r.share_id(), r.redemptions(), r.max_redemptions(),
                                           r.issued_credential_ids_size()});
    }
    req.set_page_token(resp.next_page_token());
  } while (!req.page_token().empty());
  std::map<std::string, int> held;
  for (const auto& [invariant, detail] : ShareLedger::Judge(source.device, acked, listed, &held)) {
    ctx.book->Violated(absl::Now(), invariant, detail);
  }
  for (const auto& [invariant, n] : held) {
    for (int i = 0; i < n; ++i) ctx.book->Held(invariant);
  }
  ctx.book->FlowOk("ledger_audit");
}

}  // namespace

void RelayProbeLoop(SoakContext& ctx) {
  std::unique_ptr<rv1::Relay::Stub> relay;
  {
    absl::MutexLock lock(ctx.eco_mu);
    auto channel = ctx.eco->Channel("relay");
    if (!channel.ok()) return;
    relay = rv1::Relay::NewStub(*channel);
  }
  RelayProbe(ctx, std::move(relay)).Run();
}

void LedgerLoop(SoakContext& ctx) {
  std::map<std::string, std::unique_ptr<dv1::DeviceAgent::Stub>> sharers;
  int checked_restarts = 0;
  absl::Time last = absl::Now();
  while (ctx.Pause(absl::Seconds(1))) {
    const int restarts = ctx.timeline->Restarts("ca");
    if (restarts == checked_restarts && absl::Now() - last < absl::Seconds(20)) continue;
    checked_restarts = restarts;
    last = absl::Now();
    for (const ShareLedger::Source& source : ctx.shares->Sources()) {
      std::unique_ptr<dv1::DeviceAgent::Stub>& stub = sharers[source.device];
      if (!stub) {
        absl::MutexLock lock(ctx.eco_mu);
        auto channel = ctx.eco->Channel(source.device);
        if (!channel.ok()) continue;
        stub = dv1::DeviceAgent::NewStub(*channel);
      }
      AuditSource(ctx, *stub, source);
    }
  }
}

}  // namespace sct::soak
