#include "scenarios/engine/inbox.h"

#include <algorithm>
#include <functional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/share_link.h"
#include "scenarios/engine/parse.h"
#include "scenarios/engine/share_links.h"

namespace sct::scenarios {

namespace cv1 = ::common::v1;
namespace chv1 = ::channel::v1;

std::string ChannelWord(cv1::ChannelKind kind) {
  switch (kind) {
    case cv1::SMS:
      return "sms";
    case cv1::EMAIL:
      return "email";
    case cv1::MESSENGER:
      return "messenger";
    default:
      return "unknown";
  }
}

std::string LinkIn(absl::string_view body, absl::string_view mailbox_id) {
  // Mailbox ids compare lowercased; a derived link's first location is
  // base64url, where case matters.
  const std::string wanted = absl::AsciiStrToLower(mailbox_id);
  for (const ShareLink& link : ShareLinksIn(body)) {
    if (mailbox_id.empty() || link.mailbox_id == wanted || link.mailbox_id == mailbox_id) {
      return link.ToString();
    }
  }
  return "";
}

std::string PinIn(absl::string_view body) {
  const size_t at = body.find("PIN: ");
  if (at == absl::string_view::npos) return "";
  const absl::string_view pin = body.substr(at + 5, 6);
  if (pin.size() != 6 || !std::all_of(pin.begin(), pin.end(), absl::ascii_isdigit)) return "";
  return std::string(pin);
}

namespace {

std::string InboxKey(cv1::ChannelKind kind, const std::string& address) {
  return absl::StrCat(cv1::ChannelKind_Name(kind), " ", address);
}

// Where this run reads the inbox from: what earlier runs on the same
// ecosystem read of it (RunContext::inbox_cursors), fixed at the run's first
// read; 0 without cursors.
uint64_t InboxFloor(RunContext* ctx, cv1::ChannelKind kind, const std::string& address) {
  if (ctx == nullptr || ctx->inbox_cursors == nullptr) return 0;
  const std::string key = InboxKey(kind, address);
  auto it = ctx->inbox_floor.find(key);
  if (it != ctx->inbox_floor.end()) return it->second;
  std::lock_guard<std::mutex> lock(ctx->inbox_cursors->mu);
  const uint64_t floor = ctx->inbox_cursors->last[key];
  ctx->inbox_floor[key] = floor;
  return floor;
}

void RaiseInboxCursor(RunContext* ctx, cv1::ChannelKind kind, const std::string& address,
                      uint64_t last) {
  if (ctx == nullptr || ctx->inbox_cursors == nullptr) return;
  std::lock_guard<std::mutex> lock(ctx->inbox_cursors->mu);
  uint64_t& cursor = ctx->inbox_cursors->last[InboxKey(kind, address)];
  cursor = std::max(cursor, last);
}

// The newest message in the (kind, address) inbox for which `extract` gives
// a value, polled as FindLink describes; `what` names the value in the trace.
InboxLink PollInbox(ActorClients& clients, const RunClock& clock, const std::string& actor,
                    cv1::ChannelKind kind, const std::string& address, absl::string_view what,
                    const std::function<std::string(absl::string_view)>& extract,
                    absl::Time deadline) {
  absl::StatusOr<std::unique_ptr<chv1::Channel::Stub>> stub = clients.ChannelServer();
  if (!stub.ok()) return {};
  const absl::Time start = absl::Now();
  const absl::Time when = clock.Now();
  int polls = 0;
  InboxLink found;
  absl::Status st;
  const uint64_t floor = InboxFloor(clients.context(), kind, address);
  PollPause pause(absl::Milliseconds(100));
  while (found.link.empty()) {
    chv1::ReceiveRequest req;
    req.set_kind(kind);
    req.set_address(address);
    req.set_after_sequence(floor);
    chv1::ReceiveResponse resp;
    grpc::ClientContext call;
    clients.Prepare(&call, "engine", absl::Seconds(10));
    st = FromGrpcStatus((*stub)->Receive(&call, req, &resp));
    ++polls;
    if (st.ok()) {
      RaiseInboxCursor(clients.context(), kind, address, resp.last_sequence());
      for (int i = resp.messages_size() - 1; i >= 0; --i) {
        std::string value = extract(resp.messages(i).body());
        if (!value.empty()) {
          found = {resp.messages(i).message_id(), value};
          break;
        }
      }
    }
    if (!found.link.empty() || absl::Now() >= deadline || absl::Now() >= clock.scenario_deadline) {
      break;
    }
    absl::SleepFor(pause.Next());
  }
  clients.Record("engine", "channel", "channel.v1.Channel/Receive",
                 absl::StrCat("inbox of ", actor, " on ", ChannelWord(kind), ": ",
                              found.link.empty() ? "no " : "", what,
                              found.link.empty() ? "" : " found", " (", polls,
                              polls == 1 ? " poll)" : " polls)"),
                 st, absl::Now() - start, when);
  return found;
}

}  // namespace

InboxLink FindLink(ActorClients& clients, const RunClock& clock, const std::string& actor,
                   cv1::ChannelKind kind, const std::string& address, const std::string& mailbox_id,
                   absl::Time deadline) {
  return PollInbox(
      clients, clock, actor, kind, address, "link",
      [&](absl::string_view body) { return LinkIn(body, mailbox_id); }, deadline);
}

std::string FindPin(ActorClients& clients, const RunClock& clock, const std::string& actor,
                    cv1::ChannelKind kind, const std::string& address, absl::Time deadline) {
  return PollInbox(clients, clock, actor, kind, address, "PIN", PinIn, deadline).link;
}

absl::Duration ChannelWait(const scenario::v1::Scenario& scenario, cv1::ChannelKind kind) {
  absl::Duration d = absl::ZeroDuration();
  for (const auto& c : scenario.topology().channels()) {
    if (c.kind() == kind) {
      d = std::max(d, DurationOr(c.delay(), absl::ZeroDuration()) +
                          DurationOr(c.jitter(), absl::ZeroDuration()));
    }
  }
  for (const auto& f : scenario.faults()) {
    if (f.has_channel() && f.channel().kind() == kind) {
      d = std::max(d, DurationOr(f.channel().delay(), absl::ZeroDuration()));
    }
  }
  return d + absl::Seconds(5);
}

}  // namespace sct::scenarios
