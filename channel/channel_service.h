// The channel simulator's logic: SMS, e-mail and messenger channels that
// carry share links between addresses, with the faults the IETF discussion
// worries about (ARCHITECTURE.md section 6): delay (+ jitter), loss,
// duplication, a tap through which an interceptor reads every message as
// soon as it is sent (and so can race the recipient), and the messenger's
// link-preview bot, which fetches every http(s) URL in a message with the
// fragment stripped and records the og:title it saw, and an e-mail
// provider's link scanner, which follows every URL of a mail (fragment
// stripped) with GET or with POST before the mail is delivered: a POST reads
// a relay mailbox as a new client (fresh Mailbox-Device-Claim) and so binds
// it, as some enterprise mail gateways do to links they "click".
//
// No transport code: channel_grpc.h adapts it to channel.v1.Channel.
// Dependencies are injected: the Clock, the Scheduler that runs delayed
// deliveries and preview fetches (tests drive both by hand), the HttpFetcher
// of the preview bot. Loss/duplication/jitter decisions come from a seeded
// std::mt19937_64 per channel kind (non-secret, reproducible: the same seed
// and the same sends give the same fates). Message ids are UUIDv4.
//
// Privacy: the delivery log and the stderr lines record lengths and whether
// a body carried a URL fragment, never the body itself.
//
// Thread-safety: all methods are thread-safe. Ownership: the clock,
// scheduler and fetcher are not owned and must outlive the service; stop the
// scheduler before destroying the service (its tasks call back into it).
//
// Errors (stable reasons from common/errors.h):
//   INVALID_ARGUMENT "invalid_field"  bad kind, address, body (not UTF-8,
//                                     too many bytes) or configuration
//   INVALID_ARGUMENT "body_too_long"  over the channel's length limit; the
//                                     message names the length and the limit
//   OUT_OF_RANGE "cursor_in_future"   Receive after a sequence not yet reached
//   UNAVAILABLE "shutting_down"       Watch/Tap/Send after Shutdown()
#ifndef SCT_CHANNEL_CHANNEL_SERVICE_H_
#define SCT_CHANNEL_CHANNEL_SERVICE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "channel/http_fetcher.h"
#include "channel/message_queue.h"
#include "channel/scheduler.h"
#include "common/clock.h"

namespace sct::channel {

// Same numbers as common.v1.ChannelKind.
enum class ChannelKind { kSms = 1, kEmail = 2, kMessenger = 3 };
const char* ChannelKindName(ChannelKind kind);

struct ChannelMessage {
  std::string message_id;
  uint64_t sequence = 0;  // per inbox; 0 in tap events
  ChannelKind kind = ChannelKind::kSms;
  std::string from;
  std::string to;
  std::string body;
  absl::Time sent_at;
  absl::Time delivered_at;
  bool duplicate = false;
};

// Same numbers as channel.v1.MailScanner.
enum class MailScanner { kNone = 0, kGet = 1, kPost = 2 };

struct ChannelConfig {
  absl::Duration delay = absl::ZeroDuration();
  absl::Duration jitter = absl::ZeroDuration();
  double loss_probability = 0;
  double duplicate_probability = 0;
  // Characters (SMS: GSM-7 septets; a UCS-2 body gets limit*70/160 UTF-16
  // units). For SMS, 0 in Configure means the server default.
  uint32_t max_body_length = 0;
  bool preview_bot = false;  // messenger only
  absl::Duration preview_delay = absl::ZeroDuration();
  MailScanner mail_scanner = MailScanner::kNone;  // e-mail only
  // In Configure: non-zero reseeds this channel's random source. In the
  // effective configuration: the seed the source was last seeded with.
  uint64_t seed = 0;
};

struct SendResult {
  std::string message_id;
  uint32_t body_length = 0;      // code points
  uint32_t max_body_length = 0;  // 0: none
  uint32_t sms_segments = 0;     // 0 unless SMS
  std::string sms_encoding;      // "GSM-7"/"UCS-2" for SMS
  bool preview_fetch_scheduled = false;
  std::vector<uint32_t> link_lengths;  // each http(s) URL, in characters
};

struct ReceiveResult {
  std::vector<ChannelMessage> messages;
  uint64_t last_sequence = 0;
  // Messages after the cursor that the inbox no longer holds (dropped by the
  // retention period or the per-inbox cap before anyone read them).
  uint64_t dropped = 0;
};

struct TapEvent {
  ChannelMessage message;                        // delivered_at = when the tap saw it
  std::optional<absl::Time> scheduled_delivery;  // unset if dropped
  bool dropped = false;
};

struct DeliveryRecord {
  std::string message_id;
  std::string from;
  std::string to;
  absl::Time sent_at;
  uint32_t body_length = 0;
  bool contained_link_fragment = false;
  std::vector<uint32_t> link_lengths;
  uint32_t copies_delivered = 0;
  uint32_t copies_pending = 0;
  bool dropped = false;
  bool duplicated = false;
  absl::Duration delay = absl::ZeroDuration();
  std::vector<std::string> seen_by;  // interceptors
};

struct PreviewFetch {
  std::string message_id;
  std::string url;      // fragment stripped
  int http_status = 0;  // 0: failed, see error
  absl::Time fetched_at;
  std::string og_title;
  std::string error;
  std::string method = "GET";           // "GET" or "POST"
  std::string fetcher = "preview_bot";  // or "mail_scanner"
};

struct DeliveryLog {
  std::vector<DeliveryRecord> deliveries;
  std::vector<PreviewFetch> preview_fetches;
  // What the retention rule has dropped from this channel so far: delivery
  // records, preview/scanner fetches, and inbox messages (every inbox).
  uint64_t dropped_deliveries = 0;
  uint64_t dropped_preview_fetches = 0;
  uint64_t dropped_inbox_messages = 0;
};

// How many entries the channel holds now (for tests and the memory report).
struct ChannelSizes {
  uint64_t inboxes = 0;
  uint64_t inbox_messages = 0;  // every inbox of every kind
  uint64_t deliveries = 0;      // delivery records, every kind
  uint64_t preview_fetches = 0;
  // Dropped by the retention rule since start, every kind.
  uint64_t inbox_messages_dropped = 0;
  uint64_t deliveries_dropped = 0;
};

struct ChannelServiceOptions {
  uint32_t sms_max_chars = 160;  // default SMS limit (one GSM-7 segment)
  uint64_t seed = 1;             // base seed of the per-kind random sources
  size_t max_body_bytes = 64 * 1024;
  size_t max_address_bytes = 256;
  size_t max_links_fetched = 3;  // preview fetches per message
  bool messenger_preview_bot = true;
  // Retention (docs/channel.md "Retention"): an inbox message, a delivery
  // record and a preview fetch are dropped once older than `retention`
  // (delivered_at, sent_at, fetched_at), and beyond the caps the oldest go
  // first: at most `max_inbox_messages` per inbox, `max_delivery_records`
  // delivery records and as many fetches per channel kind. 0: no bound.
  absl::Duration retention = absl::Hours(1);
  size_t max_inbox_messages = 10000;
  size_t max_delivery_records = 10000;
};

class ChannelService {
 public:
  ChannelService(const Clock* clock, Scheduler* scheduler, HttpFetcher* fetcher,
                 ChannelServiceOptions options);
  ChannelService(const ChannelService&) = delete;
  ChannelService& operator=(const ChannelService&) = delete;

  // Accepts a message: taps see it at once; the recipient's copy (or two, or
  // none) arrives after the configured delay; a messenger preview fetch is
  // scheduled for each URL. With an e-mail mail_scanner and a URL in the
  // body, the scanner follows the URLs at once and the copies are scheduled
  // when it is done (the mail is delivered after the scan). Errors: invalid_field, body_too_long,
  // shutting_down.
  absl::StatusOr<SendResult> Send(ChannelKind kind, const std::string& from, const std::string& to,
                                  const std::string& body);

  // Messages in (kind, address) with sequence > after_sequence, at most
  // max_messages (0: all). Errors: invalid_field, cursor_in_future.
  absl::StatusOr<ReceiveResult> Receive(ChannelKind kind, const std::string& address,
                                        uint64_t after_sequence, uint32_t max_messages);

  // A stream of (kind, address): stored messages after after_sequence first,
  // then each new delivery. The stream ends (queue closed) at Shutdown.
  // Errors: invalid_field, shutting_down.
  absl::StatusOr<std::shared_ptr<MessageQueue<ChannelMessage>>> WatchInbox(
      ChannelKind kind, const std::string& address, uint64_t after_sequence);

  // An interceptor's stream: every message of `kind` (to `to`, if not
  // empty), as soon as Send accepts it. Errors: invalid_field, shutting_down.
  absl::StatusOr<std::shared_ptr<MessageQueue<TapEvent>>> Tap(ChannelKind kind,
                                                              const std::string& to,
                                                              const std::string& interceptor);

  // Replaces the channel's configuration; returns the effective one.
  // Errors: invalid_field (naming the config field).
  absl::StatusOr<ChannelConfig> Configure(ChannelKind kind, const ChannelConfig& config);
  ChannelConfig GetConfig(ChannelKind kind) const;

  DeliveryLog GetDeliveryLog(ChannelKind kind) const;

  // Entries held now, after dropping what the retention rule allows.
  ChannelSizes Sizes();

  // Ends every open stream and refuses new ones. Idempotent.
  void Shutdown();

 private:
  struct Inbox {
    // messages[i] has sequence dropped + i + 1.
    std::deque<ChannelMessage> messages;
    uint64_t dropped = 0;
    std::vector<std::weak_ptr<MessageQueue<ChannelMessage>>> watchers;
    uint64_t last_sequence() const { return dropped + messages.size(); }
  };
  struct TapSubscription {
    std::string to;
    std::string interceptor;
    std::weak_ptr<MessageQueue<TapEvent>> queue;
  };
  struct Channel {
    ChannelConfig config;
    std::mt19937_64 rng;
    std::map<std::string, Inbox> inboxes;
    std::vector<TapSubscription> taps;
    // records[i] is the (records_dropped + i)-th record ever made.
    std::deque<DeliveryRecord> records;
    uint64_t records_dropped = 0;
    std::map<std::string, uint64_t> record_index;  // message id -> its number
    std::deque<PreviewFetch> fetches;
    uint64_t fetches_dropped = 0;
    uint64_t inbox_messages_dropped = 0;
    absl::Time last_sweep = absl::InfinitePast();
  };

  // What the random source decided for one message.
  struct Fate {
    bool dropped = false;
    bool duplicated = false;
    absl::Duration delay = absl::ZeroDuration();
    uint32_t copies() const { return dropped ? 0 : (duplicated ? 2 : 1); }
  };

  absl::Status CheckAddress(absl::string_view field, const std::string& address) const;
  // The channel's length limit (SMS: in GSM-7 septets or UCS-2 units); fills
  // the SMS measures and the limit into `result`. body_too_long beyond it.
  static absl::Status CheckBodyLength(ChannelKind kind, const ChannelConfig& config,
                                      const std::string& body, SendResult* result);
  static DeliveryRecord NewRecord(const ChannelMessage& message, const SendResult& result,
                                  bool has_fragment, const Fate& fate);
  Channel& ChannelFor(ChannelKind kind) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const Channel& ChannelFor(ChannelKind kind) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  double Uniform(Channel& channel) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Fate DrawFate(Channel& channel) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Pushes `message` to every matching tap; names the interceptors in `record`.
  void NotifyTaps(Channel& channel, const ChannelMessage& message, const Fate& fate,
                  DeliveryRecord* record) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Delivers the copies the fate asks for, now or after its delay.
  void ScheduleCopies(ChannelKind kind, const ChannelMessage& message, const Fate& fate)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // One preview fetch per URL (fragment stripped), at most max_links_fetched;
  // true when at least one was scheduled.
  bool SchedulePreviewFetches(ChannelKind kind, const ChannelConfig& config,
                              const std::string& message_id, const std::vector<std::string>& urls,
                              absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DeliverLocked(ChannelKind kind, ChannelMessage message) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The retention rule: drops what is older than options_.retention at `now`
  // and what exceeds the caps, oldest first, counting it.
  void PruneInbox(Channel& channel, Inbox& inbox, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PruneLog(Channel& channel, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Every inbox and the log of `channel`, at most once a second of `now`
  // unless `force`.
  void SweepLocked(Channel& channel, absl::Time now, bool force)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Deliver(ChannelKind kind, ChannelMessage message);
  void RunPreviewFetch(ChannelKind kind, const std::string& message_id, const std::string& url);
  // The mail scanner: follows each URL (at most max_links_fetched, fragment
  // stripped) with GET or POST, records the fetches, then schedules the
  // message's copies. Runs on the scheduler, without the lock.
  void RunMailScan(ChannelKind kind, MailScanner scanner, const ChannelMessage& message,
                   const std::vector<std::string>& urls, Fate fate);
  // One fetch of the preview bot or the scanner (no lock held: network I/O).
  PreviewFetch Fetch(const std::string& message_id, const std::string& url,
                     const std::string& method);

  const Clock* const clock_;
  Scheduler* const scheduler_;
  HttpFetcher* const fetcher_;
  const ChannelServiceOptions options_;

  mutable absl::Mutex mu_;
  std::map<ChannelKind, Channel> channels_ ABSL_GUARDED_BY(mu_);
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace sct::channel

#endif  // SCT_CHANNEL_CHANNEL_SERVICE_H_
