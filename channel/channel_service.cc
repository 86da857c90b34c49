#include "channel/channel_service.h"

#include <algorithm>
#include <cmath>
#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "channel/link_scan.h"
#include "common/draft_http.h"
#include "common/errors.h"
#include "common/share_link.h"
#include "common/status_macros.h"
#include "common/uuid.h"

namespace sct::channel {
namespace {

constexpr ChannelKind kAllKinds[] = {ChannelKind::kSms, ChannelKind::kEmail,
                                     ChannelKind::kMessenger};
// Longest concatenated SMS: 255 parts of 153 septets.
constexpr uint32_t kMaxSmsChars = 255 * 153;
constexpr absl::Duration kMaxDelay = absl::Hours(24);

void SeedRng(std::mt19937_64& rng, uint64_t seed, ChannelKind kind) {
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                    static_cast<uint32_t>(kind)};
  rng.seed(seq);
}

absl::Status CheckDuration(absl::string_view field, absl::Duration d) {
  if (d < absl::ZeroDuration()) return InvalidField(field, "must not be negative");
  if (d > kMaxDelay) return InvalidField(field, "must be at most 24h");
  return absl::OkStatus();
}

absl::Status CheckProbability(absl::string_view field, double p) {
  if (!std::isfinite(p) || p < 0 || p > 1) return InvalidField(field, "must be in [0, 1]");
  return absl::OkStatus();
}

}  // namespace

const char* ChannelKindName(ChannelKind kind) {
  switch (kind) {
    case ChannelKind::kSms:
      return "SMS";
    case ChannelKind::kEmail:
      return "EMAIL";
    case ChannelKind::kMessenger:
      return "MESSENGER";
  }
  return "UNKNOWN";
}

ChannelService::ChannelService(const Clock* clock, Scheduler* scheduler, HttpFetcher* fetcher,
                               ChannelServiceOptions options)
    : clock_(clock), scheduler_(scheduler), fetcher_(fetcher), options_(options) {
  absl::MutexLock lock(&mu_);
  for (ChannelKind kind : kAllKinds) {
    Channel& channel = channels_[kind];
    channel.config.seed = options_.seed;
    SeedRng(channel.rng, options_.seed, kind);
    if (kind == ChannelKind::kSms) channel.config.max_body_length = options_.sms_max_chars;
    if (kind == ChannelKind::kMessenger)
      channel.config.preview_bot = options_.messenger_preview_bot;
  }
}

ChannelService::Channel& ChannelService::ChannelFor(ChannelKind kind) { return channels_[kind]; }
const ChannelService::Channel& ChannelService::ChannelFor(ChannelKind kind) const {
  return channels_.at(kind);
}

double ChannelService::Uniform(Channel& channel) {
  // 53 random bits -> [0, 1): the same numbers on every platform for a seed.
  return static_cast<double>(channel.rng() >> 11) * 0x1.0p-53;
}

absl::Status ChannelService::CheckAddress(absl::string_view field,
                                          const std::string& address) const {
  if (address.empty()) return InvalidField(field, "must not be empty");
  if (address.size() > options_.max_address_bytes) {
    return InvalidField(field, absl::StrCat("longer than ", options_.max_address_bytes, " bytes"));
  }
  for (char c : address) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return InvalidField(field, "contains a control character");
    }
  }
  return CountCharacters(address, field).status();
}

absl::StatusOr<SendResult> ChannelService::Send(ChannelKind kind, const std::string& from,
                                                const std::string& to, const std::string& body) {
  RETURN_IF_ERROR(CheckAddress("from", from));
  RETURN_IF_ERROR(CheckAddress("to", to));
  if (body.size() > options_.max_body_bytes) {
    return InvalidField("body", absl::StrCat("longer than ", options_.max_body_bytes, " bytes"));
  }
  SendResult result;
  ASSIGN_OR_RETURN(result.body_length, CountCharacters(body, "body"));
  const std::vector<std::string> urls = FindUrls(body);
  bool has_fragment = false;
  for (const std::string& url : urls) {
    ASSIGN_OR_RETURN(uint32_t length, CountCharacters(url, "body"));
    result.link_lengths.push_back(length);
    if (url.find('#') != std::string::npos) has_fragment = true;
  }

  absl::MutexLock lock(&mu_);
  if (shut_down_) {
    return MakeError(absl::StatusCode::kUnavailable, "shutting_down", "channel server is stopping");
  }
  Channel& channel = ChannelFor(kind);
  const ChannelConfig& config = channel.config;
  RETURN_IF_ERROR(CheckBodyLength(kind, config, body, &result));
  const Fate fate = DrawFate(channel);

  const absl::Time now = clock_->Now();
  ChannelMessage message;
  message.message_id = NewUuidV4();
  message.kind = kind;
  message.from = from;
  message.to = to;
  message.body = body;
  message.sent_at = now;
  result.message_id = message.message_id;

  DeliveryRecord record = NewRecord(message, result, has_fragment, fate);
  // Taps first: the interceptor sees the message before the recipient.
  NotifyTaps(channel, message, fate, &record);
  SweepLocked(channel, now, /*force=*/false);
  channel.record_index[record.message_id] = channel.records_dropped + channel.records.size();
  channel.records.push_back(std::move(record));
  PruneLog(channel, now);
  const MailScanner scanner = kind == ChannelKind::kEmail ? config.mail_scanner : MailScanner::kNone;
  if (scanner != MailScanner::kNone && !urls.empty()) {
    // The provider scans before it delivers: the copies follow the scan.
    scheduler_->At(now, [this, kind, scanner, message, urls, fate] {
      RunMailScan(kind, scanner, message, urls, fate);
    });
  } else {
    ScheduleCopies(kind, message, fate);
  }
  if (kind == ChannelKind::kMessenger && config.preview_bot) {
    result.preview_fetch_scheduled =
        SchedulePreviewFetches(kind, config, message.message_id, urls, now);
  }

  std::cerr << "channel: send kind=" << ChannelKindName(kind) << " id=" << result.message_id
            << " length=" << result.body_length << " links=" << urls.size()
            << " fragment=" << (has_fragment ? "yes" : "no") << " fate="
            << (fate.dropped      ? "dropped"
                : fate.duplicated ? "duplicated"
                                  : "delivered")
            << " delay=" << absl::FormatDuration(fate.delay) << std::endl;
  return result;
}

absl::Status ChannelService::CheckBodyLength(ChannelKind kind, const ChannelConfig& config,
                                             const std::string& body, SendResult* result) {
  result->max_body_length = config.max_body_length;
  if (kind == ChannelKind::kSms) {
    ASSIGN_OR_RETURN(SmsMeasure sms, MeasureSms(body));
    result->sms_segments = sms.segments;
    result->sms_encoding = sms.encoding();
    const uint32_t limit = sms.gsm7 ? config.max_body_length : config.max_body_length * 70 / 160;
    if (sms.units > limit) {
      return MakeError(
          absl::StatusCode::kInvalidArgument, "body_too_long",
          absl::StrCat("body: ", sms.units, sms.gsm7 ? " GSM-7 characters" : " UCS-2 characters",
                       " do not fit the SMS limit of ", limit, " (", config.max_body_length,
                       " GSM-7 characters", sms.gsm7 ? "" : ", 70/160 of it for UCS-2", ")"));
    }
  } else if (config.max_body_length > 0 && result->body_length > config.max_body_length) {
    return MakeError(absl::StatusCode::kInvalidArgument, "body_too_long",
                     absl::StrCat("body: ", result->body_length, " characters exceed the ",
                                  ChannelKindName(kind), " limit of ", config.max_body_length));
  }
  return absl::OkStatus();
}

ChannelService::Fate ChannelService::DrawFate(Channel& channel) {
  // Always draw all three numbers so that one message's fate never shifts
  // the random stream of the next.
  const double loss_draw = Uniform(channel);
  const double dup_draw = Uniform(channel);
  const double jitter_draw = Uniform(channel);
  const ChannelConfig& config = channel.config;
  Fate fate;
  fate.dropped = loss_draw < config.loss_probability;
  fate.duplicated = !fate.dropped && dup_draw < config.duplicate_probability;
  fate.delay = config.delay + jitter_draw * config.jitter;
  return fate;
}

DeliveryRecord ChannelService::NewRecord(const ChannelMessage& message, const SendResult& result,
                                         bool has_fragment, const Fate& fate) {
  DeliveryRecord record;
  record.message_id = message.message_id;
  record.from = message.from;
  record.to = message.to;
  record.sent_at = message.sent_at;
  record.body_length = result.body_length;
  record.contained_link_fragment = has_fragment;
  record.link_lengths = result.link_lengths;
  record.dropped = fate.dropped;
  record.duplicated = fate.duplicated;
  record.delay = fate.delay;
  record.copies_pending = fate.copies();
  return record;
}

void ChannelService::NotifyTaps(Channel& channel, const ChannelMessage& message, const Fate& fate,
                                DeliveryRecord* record) {
  const absl::Time now = message.sent_at;
  for (auto it = channel.taps.begin(); it != channel.taps.end();) {
    std::shared_ptr<MessageQueue<TapEvent>> queue = it->queue.lock();
    if (!queue) {
      it = channel.taps.erase(it);
      continue;
    }
    if (it->to.empty() || it->to == message.to) {
      TapEvent event;
      event.message = message;
      event.message.delivered_at = now;
      event.dropped = fate.dropped;
      if (!fate.dropped) event.scheduled_delivery = now + fate.delay;
      queue->Push(std::move(event));
      if (std::find(record->seen_by.begin(), record->seen_by.end(), it->interceptor) ==
          record->seen_by.end()) {
        record->seen_by.push_back(it->interceptor);
      }
    }
    ++it;
  }
}

void ChannelService::ScheduleCopies(ChannelKind kind, const ChannelMessage& message,
                                    const Fate& fate) {
  for (uint32_t copy = 0; copy < fate.copies(); ++copy) {
    ChannelMessage delivered = message;
    delivered.duplicate = copy > 0;
    if (fate.delay <= absl::ZeroDuration()) {
      DeliverLocked(kind, std::move(delivered));
    } else {
      scheduler_->At(message.sent_at + fate.delay,
                     [this, kind, delivered]() mutable { Deliver(kind, std::move(delivered)); });
    }
  }
}

bool ChannelService::SchedulePreviewFetches(ChannelKind kind, const ChannelConfig& config,
                                            const std::string& message_id,
                                            const std::vector<std::string>& urls, absl::Time now) {
  size_t scheduled = 0;
  for (const std::string& url : urls) {
    if (scheduled == options_.max_links_fetched) break;
    const std::string stripped = StripFragment(url);
    scheduler_->At(now + config.preview_delay, [this, kind, id = message_id, stripped] {
      RunPreviewFetch(kind, id, stripped);
    });
    ++scheduled;
  }
  return scheduled > 0;
}

void ChannelService::Deliver(ChannelKind kind, ChannelMessage message) {
  absl::MutexLock lock(&mu_);
  DeliverLocked(kind, std::move(message));
}

void ChannelService::DeliverLocked(ChannelKind kind, ChannelMessage message) {
  Channel& channel = ChannelFor(kind);
  Inbox& inbox = channel.inboxes[message.to];
  message.sequence = inbox.last_sequence() + 1;
  message.delivered_at = clock_->Now();
  auto record = channel.record_index.find(message.message_id);
  if (record != channel.record_index.end() && record->second >= channel.records_dropped) {
    DeliveryRecord& r = channel.records[record->second - channel.records_dropped];
    ++r.copies_delivered;
    if (r.copies_pending > 0) --r.copies_pending;
  }
  for (auto it = inbox.watchers.begin(); it != inbox.watchers.end();) {
    if (auto queue = it->lock()) {
      queue->Push(message);
      ++it;
    } else {
      it = inbox.watchers.erase(it);
    }
  }
  const absl::Time now = message.delivered_at;
  inbox.messages.push_back(std::move(message));
  PruneInbox(channel, inbox, now);
}

void ChannelService::PruneInbox(Channel& channel, Inbox& inbox, absl::Time now) {
  const bool aged = options_.retention > absl::ZeroDuration();
  while (!inbox.messages.empty() &&
         ((options_.max_inbox_messages != 0 &&
           inbox.messages.size() > options_.max_inbox_messages) ||
          (aged && now - inbox.messages.front().delivered_at > options_.retention))) {
    inbox.messages.pop_front();
    ++inbox.dropped;
    ++channel.inbox_messages_dropped;
  }
}

void ChannelService::PruneLog(Channel& channel, absl::Time now) {
  const bool aged = options_.retention > absl::ZeroDuration();
  const size_t cap = options_.max_delivery_records;
  while (!channel.records.empty() &&
         ((cap != 0 && channel.records.size() > cap) ||
          (aged && now - channel.records.front().sent_at > options_.retention))) {
    const DeliveryRecord& oldest = channel.records.front();
    auto it = channel.record_index.find(oldest.message_id);
    if (it != channel.record_index.end() && it->second == channel.records_dropped) {
      channel.record_index.erase(it);
    }
    channel.records.pop_front();
    ++channel.records_dropped;
  }
  while (!channel.fetches.empty() &&
         ((cap != 0 && channel.fetches.size() > cap) ||
          (aged && now - channel.fetches.front().fetched_at > options_.retention))) {
    channel.fetches.pop_front();
    ++channel.fetches_dropped;
  }
}

void ChannelService::SweepLocked(Channel& channel, absl::Time now, bool force) {
  if (!force && now - channel.last_sweep < absl::Seconds(1) && now >= channel.last_sweep) return;
  channel.last_sweep = now;
  for (auto& [address, inbox] : channel.inboxes) PruneInbox(channel, inbox, now);
  PruneLog(channel, now);
}

PreviewFetch ChannelService::Fetch(const std::string& message_id, const std::string& url,
                                   const std::string& method) {
  PreviewFetch fetch;
  fetch.message_id = message_id;
  fetch.url = url;
  fetch.method = method;
  if (fetcher_ == nullptr) {
    fetch.error = "no HTTP fetcher configured";
  } else {
    // A POST is what a client of the draft's mailbox API sends to read a
    // mailbox: a claim and a request id of its own (fresh, it is no device).
    absl::StatusOr<HttpResponse> response =
        method == "POST" ? fetcher_->Post(url,
                                          {{draft_http::kClaimHeader, NewUuidV4()},
                                           {draft_http::kRequestIdHeader, NewUuidV4()},
                                           {"Accept", "application/json"}},
                                          "{}")
                         : fetcher_->Get(url);
    if (response.ok()) {
      fetch.http_status = response->status;
      if (method == "GET") fetch.og_title = ExtractOgTitle(response->body).value_or("");
    } else {
      fetch.error = std::string(response.status().message());
    }
  }
  fetch.fetched_at = clock_->Now();
  return fetch;
}

void ChannelService::RunPreviewFetch(ChannelKind kind, const std::string& message_id,
                                     const std::string& url) {
  PreviewFetch fetch = Fetch(message_id, url, "GET");
  std::cerr << "channel: preview fetch id=" << message_id << " status=" << fetch.http_status
            << (fetch.error.empty() ? "" : " error=" + fetch.error) << std::endl;
  absl::MutexLock lock(&mu_);
  Channel& channel = ChannelFor(kind);
  channel.fetches.push_back(std::move(fetch));
  PruneLog(channel, clock_->Now());
}

void ChannelService::RunMailScan(ChannelKind kind, MailScanner scanner,
                                 const ChannelMessage& message,
                                 const std::vector<std::string>& urls, Fate fate) {
  const std::string method = scanner == MailScanner::kPost ? "POST" : "GET";
  std::vector<PreviewFetch> fetches;
  for (const std::string& url : urls) {
    if (fetches.size() == options_.max_links_fetched) break;
    PreviewFetch fetch = Fetch(message.message_id, StripFragment(url), method);
    fetch.fetcher = "mail_scanner";
    std::cerr << "channel: mail scanner " << method << " id=" << message.message_id
              << " status=" << fetch.http_status
              << (fetch.error.empty() ? "" : " error=" + fetch.error) << std::endl;
    fetches.push_back(std::move(fetch));
  }
  absl::MutexLock lock(&mu_);
  Channel& channel = ChannelFor(kind);
  for (PreviewFetch& f : fetches) channel.fetches.push_back(std::move(f));
  PruneLog(channel, clock_->Now());
  if (!shut_down_) ScheduleCopies(kind, message, fate);
}

absl::StatusOr<ReceiveResult> ChannelService::Receive(ChannelKind kind, const std::string& address,
                                                      uint64_t after_sequence,
                                                      uint32_t max_messages) {
  RETURN_IF_ERROR(CheckAddress("address", address));
  absl::MutexLock lock(&mu_);
  Channel& channel = ChannelFor(kind);
  ReceiveResult result;
  auto inbox = channel.inboxes.find(address);
  if (inbox != channel.inboxes.end()) {
    PruneInbox(channel, inbox->second, clock_->Now());
    result.last_sequence = inbox->second.last_sequence();
  }
  if (after_sequence > result.last_sequence) {
    return MakeError(absl::StatusCode::kOutOfRange, "cursor_in_future",
                     absl::StrCat("after_sequence: ", after_sequence,
                                  " is beyond the inbox's last sequence ", result.last_sequence));
  }
  if (inbox == channel.inboxes.end()) return result;
  const Inbox& held = inbox->second;
  if (after_sequence < held.dropped) result.dropped = held.dropped - after_sequence;
  const auto& messages = held.messages;
  for (size_t i = std::max(after_sequence, held.dropped) - held.dropped; i < messages.size();
       ++i) {
    if (max_messages != 0 && result.messages.size() == max_messages) break;
    result.messages.push_back(messages[i]);
  }
  return result;
}

absl::StatusOr<std::shared_ptr<MessageQueue<ChannelMessage>>> ChannelService::WatchInbox(
    ChannelKind kind, const std::string& address, uint64_t after_sequence) {
  RETURN_IF_ERROR(CheckAddress("address", address));
  absl::MutexLock lock(&mu_);
  if (shut_down_) {
    return MakeError(absl::StatusCode::kUnavailable, "shutting_down", "channel server is stopping");
  }
  auto queue = std::make_shared<MessageQueue<ChannelMessage>>();
  Channel& channel = ChannelFor(kind);
  Inbox& inbox = channel.inboxes[address];
  PruneInbox(channel, inbox, clock_->Now());
  for (size_t i = std::max(after_sequence, inbox.dropped) - inbox.dropped;
       i < inbox.messages.size(); ++i) {
    queue->Push(inbox.messages[i]);
  }
  inbox.watchers.push_back(queue);
  return queue;
}

absl::StatusOr<std::shared_ptr<MessageQueue<TapEvent>>> ChannelService::Tap(
    ChannelKind kind, const std::string& to, const std::string& interceptor) {
  if (!to.empty()) RETURN_IF_ERROR(CheckAddress("to", to));
  RETURN_IF_ERROR(CheckAddress("interceptor", interceptor));
  absl::MutexLock lock(&mu_);
  if (shut_down_) {
    return MakeError(absl::StatusCode::kUnavailable, "shutting_down", "channel server is stopping");
  }
  auto queue = std::make_shared<MessageQueue<TapEvent>>();
  ChannelFor(kind).taps.push_back(TapSubscription{to, interceptor, queue});
  std::cerr << "channel: tap opened kind=" << ChannelKindName(kind)
            << " interceptor=" << interceptor << std::endl;
  return queue;
}

absl::StatusOr<ChannelConfig> ChannelService::Configure(ChannelKind kind,
                                                        const ChannelConfig& config) {
  RETURN_IF_ERROR(CheckDuration("config.delay", config.delay));
  RETURN_IF_ERROR(CheckDuration("config.jitter", config.jitter));
  RETURN_IF_ERROR(CheckDuration("config.preview_delay", config.preview_delay));
  RETURN_IF_ERROR(CheckProbability("config.loss_probability", config.loss_probability));
  RETURN_IF_ERROR(CheckProbability("config.duplicate_probability", config.duplicate_probability));
  if (config.preview_bot && kind != ChannelKind::kMessenger) {
    return InvalidField("config.preview_bot", "only the MESSENGER channel has a preview bot");
  }
  if (config.mail_scanner != MailScanner::kNone && kind != ChannelKind::kEmail) {
    return InvalidField("config.mail_scanner", "only the EMAIL channel has a mail scanner");
  }
  if (kind == ChannelKind::kSms && config.max_body_length > kMaxSmsChars) {
    return InvalidField("config.max_body_length",
                        absl::StrCat("at most ", kMaxSmsChars, " for SMS (255 parts of 153)"));
  }
  if (config.max_body_length > options_.max_body_bytes) {
    return InvalidField("config.max_body_length",
                        absl::StrCat("at most ", options_.max_body_bytes));
  }
  absl::MutexLock lock(&mu_);
  Channel& channel = ChannelFor(kind);
  ChannelConfig effective = config;
  if (kind == ChannelKind::kSms && effective.max_body_length == 0) {
    effective.max_body_length = options_.sms_max_chars;
  }
  if (config.seed != 0) {
    SeedRng(channel.rng, config.seed, kind);
  } else {
    effective.seed = channel.config.seed;
  }
  channel.config = effective;
  std::cerr << "channel: configure kind=" << ChannelKindName(kind)
            << " delay=" << absl::FormatDuration(effective.delay)
            << " jitter=" << absl::FormatDuration(effective.jitter)
            << " loss=" << effective.loss_probability
            << " duplicate=" << effective.duplicate_probability
            << " max_body_length=" << effective.max_body_length
            << " preview_bot=" << (effective.preview_bot ? "on" : "off") << " mail_scanner="
            << (effective.mail_scanner == MailScanner::kPost  ? "post"
                : effective.mail_scanner == MailScanner::kGet ? "get"
                                                              : "none")
            << std::endl;
  return effective;
}

ChannelConfig ChannelService::GetConfig(ChannelKind kind) const {
  absl::MutexLock lock(&mu_);
  return ChannelFor(kind).config;
}

DeliveryLog ChannelService::GetDeliveryLog(ChannelKind kind) const {
  absl::MutexLock lock(&mu_);
  const Channel& channel = ChannelFor(kind);
  DeliveryLog log;
  log.deliveries.assign(channel.records.begin(), channel.records.end());
  log.preview_fetches.assign(channel.fetches.begin(), channel.fetches.end());
  log.dropped_deliveries = channel.records_dropped;
  log.dropped_preview_fetches = channel.fetches_dropped;
  log.dropped_inbox_messages = channel.inbox_messages_dropped;
  return log;
}

ChannelSizes ChannelService::Sizes() {
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_->Now();
  ChannelSizes sizes;
  for (auto& [kind, channel] : channels_) {
    SweepLocked(channel, now, /*force=*/true);
    sizes.inboxes += channel.inboxes.size();
    for (const auto& [address, inbox] : channel.inboxes) {
      sizes.inbox_messages += inbox.messages.size();
    }
    sizes.deliveries += channel.records.size();
    sizes.preview_fetches += channel.fetches.size();
    sizes.inbox_messages_dropped += channel.inbox_messages_dropped;
    sizes.deliveries_dropped += channel.records_dropped;
  }
  return sizes;
}

void ChannelService::Shutdown() {
  absl::MutexLock lock(&mu_);
  shut_down_ = true;
  for (auto& [kind, channel] : channels_) {
    for (auto& [address, inbox] : channel.inboxes) {
      for (auto& watcher : inbox.watchers) {
        if (auto queue = watcher.lock()) queue->Close();
      }
      inbox.watchers.clear();
    }
    for (auto& tap : channel.taps) {
      if (auto queue = tap.queue.lock()) queue->Close();
    }
    channel.taps.clear();
  }
}

}  // namespace sct::channel
