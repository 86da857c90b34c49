#include "channel/channel_service.h"

#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "channel/fake_http_fetcher.h"
#include "common/base64.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/uuid.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "openssl/rand.h"

namespace sct::channel {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::string RandomSecret(size_t n) {
  std::string bytes(n, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n));
  return Base64UrlEncode(bytes);
}

// A share link exactly as the draft and ARCHITECTURE.md section 3 shape it.
std::string ShareLink(size_t secret_bytes) {
  return absl::StrCat("https://relay.example/v1/m/", NewUuidV4(), "?v=c#",
                      RandomSecret(secret_bytes));
}

class ChannelServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { Rebuild(ChannelServiceOptions()); }
  void Rebuild(ChannelServiceOptions options) {
    service_.reset();
    service_ = std::make_unique<ChannelService>(&clock_, &scheduler_, &fetcher_, options);
  }
  void Configure(ChannelKind kind, ChannelConfig config) {
    ASSERT_TRUE(service_->Configure(kind, config).ok());
  }
  std::vector<ChannelMessage> Inbox(ChannelKind kind, const std::string& address) {
    auto r = service_->Receive(kind, address, 0, 0);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->messages : std::vector<ChannelMessage>();
  }

  FakeClock clock_;
  Scheduler scheduler_{&clock_};
  FakeHttpFetcher fetcher_;
  std::unique_ptr<ChannelService> service_;
};

TEST_F(ChannelServiceTest, ZeroDelayDeliversAtOnceWithSequenceNumbers) {
  ASSERT_TRUE(service_->Send(ChannelKind::kEmail, "alice@x", "bob@x", "one").ok());
  ASSERT_TRUE(service_->Send(ChannelKind::kEmail, "alice@x", "bob@x", "two").ok());
  auto inbox = Inbox(ChannelKind::kEmail, "bob@x");
  ASSERT_EQ(inbox.size(), 2u);
  EXPECT_EQ(inbox[0].body, "one");
  EXPECT_EQ(inbox[0].sequence, 1u);
  EXPECT_EQ(inbox[1].sequence, 2u);
  EXPECT_EQ(inbox[1].from, "alice@x");
  // Kinds have separate inboxes.
  EXPECT_THAT(Inbox(ChannelKind::kSms, "bob@x"), IsEmpty());
  auto after = service_->Receive(ChannelKind::kEmail, "bob@x", 1, 0);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->messages.size(), 1u);
  EXPECT_EQ(after->messages[0].body, "two");
  EXPECT_EQ(after->last_sequence, 2u);
}

TEST_F(ChannelServiceTest, DelayDeliversOnlyAfterTheClockAdvances) {
  Configure(ChannelKind::kSms, ChannelConfig{absl::Seconds(5)});
  const absl::Time sent = clock_.Now();
  ASSERT_TRUE(service_->Send(ChannelKind::kSms, "+1555", "+1666", "hello").ok());
  scheduler_.RunDue();
  EXPECT_THAT(Inbox(ChannelKind::kSms, "+1666"), IsEmpty());
  clock_.Advance(absl::Milliseconds(4999));
  scheduler_.RunDue();
  EXPECT_THAT(Inbox(ChannelKind::kSms, "+1666"), IsEmpty());
  auto log = service_->GetDeliveryLog(ChannelKind::kSms);
  ASSERT_EQ(log.deliveries.size(), 1u);
  EXPECT_EQ(log.deliveries[0].copies_pending, 1u);
  EXPECT_EQ(log.deliveries[0].copies_delivered, 0u);
  clock_.Advance(absl::Milliseconds(1));
  scheduler_.RunDue();
  auto inbox = Inbox(ChannelKind::kSms, "+1666");
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_EQ(inbox[0].sent_at, sent);
  EXPECT_EQ(inbox[0].delivered_at, sent + absl::Seconds(5));
  log = service_->GetDeliveryLog(ChannelKind::kSms);
  EXPECT_EQ(log.deliveries[0].copies_delivered, 1u);
  EXPECT_EQ(log.deliveries[0].copies_pending, 0u);
  EXPECT_EQ(log.deliveries[0].delay, absl::Seconds(5));
}

TEST_F(ChannelServiceTest, JitterStaysWithinItsBound) {
  ChannelConfig config;
  config.delay = absl::Seconds(1);
  config.jitter = absl::Seconds(2);
  Configure(ChannelKind::kEmail, config);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(service_->Send(ChannelKind::kEmail, "a", "b", "x").ok());
  bool varied = false;
  const auto log = service_->GetDeliveryLog(ChannelKind::kEmail);
  for (const auto& r : log.deliveries) {
    EXPECT_GE(r.delay, absl::Seconds(1));
    EXPECT_LE(r.delay, absl::Seconds(3));
    if (r.delay != log.deliveries[0].delay) varied = true;
  }
  EXPECT_TRUE(varied);
}

// Loss over many messages: the delivered count lies within 5 standard
// deviations of the binomial mean (fails with probability < 1e-6 for any
// seed), and the same seed gives the same fates.
TEST_F(ChannelServiceTest, LossDropsTheConfiguredFractionReproducibly) {
  constexpr int kMessages = 2000;
  constexpr double kLoss = 0.3;
  auto run = [&](uint64_t seed) -> std::vector<bool> {
    ChannelConfig config;
    config.loss_probability = kLoss;
    config.seed = seed;
    EXPECT_TRUE(service_->Configure(ChannelKind::kSms, config).ok());
    std::vector<bool> fates;
    for (int i = 0; i < kMessages; ++i) {
      EXPECT_TRUE(service_->Send(ChannelKind::kSms, "+1", absl::StrCat("+2-", seed), "m").ok());
    }
    for (const auto& r : service_->GetDeliveryLog(ChannelKind::kSms).deliveries) {
      if (r.to == absl::StrCat("+2-", seed)) fates.push_back(r.dropped);
    }
    return fates;
  };
  std::vector<bool> first, again, other;
  first = run(42);
  const size_t delivered = Inbox(ChannelKind::kSms, "+2-42").size();
  const double mean = kMessages * (1 - kLoss);
  const double sd = std::sqrt(kMessages * kLoss * (1 - kLoss));
  EXPECT_NEAR(static_cast<double>(delivered), mean, 5 * sd);
  size_t dropped = 0;
  for (bool d : first) dropped += d;
  EXPECT_EQ(dropped + delivered, static_cast<size_t>(kMessages));

  Rebuild(ChannelServiceOptions());
  again = run(42);
  EXPECT_EQ(first, again);
  Rebuild(ChannelServiceOptions());
  other = run(43);
  EXPECT_NE(first, other);
}

TEST_F(ChannelServiceTest, LossOneDropsEverythingAndTapSeesTheDrop) {
  ChannelConfig config;
  config.loss_probability = 1.0;
  Configure(ChannelKind::kEmail, config);
  auto tap = service_->Tap(ChannelKind::kEmail, "", "eve");
  ASSERT_TRUE(tap.ok());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(service_->Send(ChannelKind::kEmail, "a", "b", "x").ok());
  EXPECT_THAT(Inbox(ChannelKind::kEmail, "b"), IsEmpty());
  auto event = (*tap)->Next(absl::ZeroDuration());
  ASSERT_TRUE(event.has_value());
  EXPECT_TRUE(event->dropped);
  EXPECT_FALSE(event->scheduled_delivery.has_value());
  const auto log = service_->GetDeliveryLog(ChannelKind::kEmail);
  EXPECT_TRUE(log.deliveries[0].dropped);
  EXPECT_EQ(log.deliveries[0].copies_delivered, 0u);
}

TEST_F(ChannelServiceTest, DuplicationDeliversTwoCopiesWithTheSameId) {
  ChannelConfig config;
  config.duplicate_probability = 1.0;
  config.delay = absl::Seconds(1);
  Configure(ChannelKind::kMessenger, config);
  auto sent = service_->Send(ChannelKind::kMessenger, "a", "b", "hi");
  ASSERT_TRUE(sent.ok());
  clock_.Advance(absl::Seconds(1));
  scheduler_.RunDue();
  auto inbox = Inbox(ChannelKind::kMessenger, "b");
  ASSERT_EQ(inbox.size(), 2u);
  EXPECT_EQ(inbox[0].message_id, sent->message_id);
  EXPECT_EQ(inbox[1].message_id, sent->message_id);
  EXPECT_FALSE(inbox[0].duplicate);
  EXPECT_TRUE(inbox[1].duplicate);
  const auto log = service_->GetDeliveryLog(ChannelKind::kMessenger);
  EXPECT_TRUE(log.deliveries[0].duplicated);
  EXPECT_EQ(log.deliveries[0].copies_delivered, 2u);
}

TEST_F(ChannelServiceTest, DuplicationFractionWithinBinomialBound) {
  constexpr int kMessages = 1000;
  ChannelConfig config;
  config.duplicate_probability = 0.5;
  Configure(ChannelKind::kEmail, config);
  for (int i = 0; i < kMessages; ++i)
    ASSERT_TRUE(service_->Send(ChannelKind::kEmail, "a", "b", "x").ok());
  const double extra = static_cast<double>(Inbox(ChannelKind::kEmail, "b").size()) - kMessages;
  EXPECT_NEAR(extra, kMessages * 0.5, 5 * std::sqrt(kMessages * 0.25));
}

TEST_F(ChannelServiceTest, SmsLimitRejectsWithLengthAndLimit) {
  EXPECT_TRUE(service_->Send(ChannelKind::kSms, "a", "b", std::string(160, 'x')).ok());
  auto too_long = service_->Send(ChannelKind::kSms, "a", "b", std::string(161, 'x'));
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(too_long.status()), "body_too_long");
  EXPECT_THAT(too_long.status().message(), HasSubstr("161"));
  EXPECT_THAT(too_long.status().message(), HasSubstr("160"));
  // Nothing was sent or logged for the rejected message.
  EXPECT_EQ(service_->GetDeliveryLog(ChannelKind::kSms).deliveries.size(), 1u);
  // UCS-2 bodies get 70 of the 160.
  std::string cyrillic;
  for (int i = 0; i < 71; ++i) cyrillic += "\xD0\x96";
  auto ucs2 = service_->Send(ChannelKind::kSms, "a", "b", cyrillic);
  EXPECT_EQ(ReasonOf(ucs2.status()), "body_too_long");
  EXPECT_THAT(ucs2.status().message(), HasSubstr("71 UCS-2"));
  // E-mail has no limit by default.
  EXPECT_TRUE(service_->Send(ChannelKind::kEmail, "a", "b", std::string(5000, 'x')).ok());
}

TEST_F(ChannelServiceTest, SmsLimitComesFromTheFlagAndConfigure) {
  ChannelServiceOptions options;
  options.sms_max_chars = 100;
  Rebuild(options);
  EXPECT_EQ(service_->GetConfig(ChannelKind::kSms).max_body_length, 100u);
  EXPECT_EQ(ReasonOf(service_->Send(ChannelKind::kSms, "a", "b", std::string(101, 'x')).status()),
            "body_too_long");
  ChannelConfig config;
  config.max_body_length = 306;  // two concatenated parts
  Configure(ChannelKind::kSms, config);
  auto sent = service_->Send(ChannelKind::kSms, "a", "b", std::string(300, 'x'));
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(sent->sms_segments, 2u);
  EXPECT_EQ(sent->max_body_length, 306u);
  // 0 in Configure means "the server default", not "no limit".
  Configure(ChannelKind::kSms, ChannelConfig());
  EXPECT_EQ(service_->GetConfig(ChannelKind::kSms).max_body_length, 100u);
}

// The measurement docs/channel.md reports: a real share link's length and
// whether it fits one SMS with a short greeting.
TEST_F(ChannelServiceTest, ShareLinkLengthIsReportedAndFitsOneSms) {
  for (size_t secret_bytes : {16u, 32u}) {
    const std::string link = ShareLink(secret_bytes);
    const std::string body = "Car key from Alice: " + link;
    auto sent = service_->Send(ChannelKind::kSms, "+1555", "+1666", body);
    ASSERT_TRUE(sent.ok()) << sent.status();
    // 27 ("https://relay.example/v1/m/") + 36 (UUID) + 5 ("?v=c#") + base64url.
    const uint32_t expected = 27 + 36 + 5 + (secret_bytes == 16 ? 22 : 43);
    EXPECT_THAT(sent->link_lengths, ElementsAre(expected));
    EXPECT_EQ(sent->link_lengths[0], link.size());
    EXPECT_EQ(sent->sms_segments, 1u);
    EXPECT_EQ(sent->sms_encoding, "GSM-7");
    std::cerr << "measured: share link with a " << secret_bytes << "-byte secret is "
              << sent->link_lengths[0] << " characters; SMS body " << sent->body_length << "\n";
  }
  EXPECT_EQ(service_->GetDeliveryLog(ChannelKind::kSms).deliveries[0].link_lengths,
            std::vector<uint32_t>({90}));
}

TEST_F(ChannelServiceTest, TapSeesTheMessageBeforeTheRecipient) {
  Configure(ChannelKind::kSms, ChannelConfig{absl::Seconds(30)});
  auto tap = service_->Tap(ChannelKind::kSms, "+1666", "mallory");
  auto other_tap = service_->Tap(ChannelKind::kSms, "+1777", "nobody");
  ASSERT_TRUE(tap.ok() && other_tap.ok());
  const std::string link = ShareLink(16);
  const absl::Time sent_at = clock_.Now();
  auto sent = service_->Send(ChannelKind::kSms, "+1555", "+1666", link);
  ASSERT_TRUE(sent.ok());
  auto event = (*tap)->Next(absl::ZeroDuration());
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->message.body, link);  // the interceptor reads the whole link
  EXPECT_EQ(event->message.delivered_at, sent_at);
  ASSERT_TRUE(event->scheduled_delivery.has_value());
  EXPECT_EQ(*event->scheduled_delivery, sent_at + absl::Seconds(30));
  EXPECT_THAT(Inbox(ChannelKind::kSms, "+1666"), IsEmpty());  // recipient still waiting
  EXPECT_FALSE((*other_tap)->Next(absl::ZeroDuration()).has_value());
  EXPECT_THAT(service_->GetDeliveryLog(ChannelKind::kSms).deliveries[0].seen_by,
              ElementsAre("mallory"));
  clock_.Advance(absl::Seconds(30));
  scheduler_.RunDue();
  EXPECT_EQ(Inbox(ChannelKind::kSms, "+1666").size(), 1u);
}

TEST_F(ChannelServiceTest, PreviewBotFetchesWithoutTheFragmentAndRecordsTheTitle) {
  fetcher_.SetAnswer(HttpResponse{
      200, "<html><head><meta property=\"og:title\" content=\"Car key from Alice\"></head>"});
  ChannelConfig config;
  config.preview_bot = true;
  config.preview_delay = absl::Seconds(2);
  Configure(ChannelKind::kMessenger, config);
  const std::string link = ShareLink(32);
  auto sent = service_->Send(ChannelKind::kMessenger, "alice", "bob", "Here: " + link);
  ASSERT_TRUE(sent.ok());
  EXPECT_TRUE(sent->preview_fetch_scheduled);
  scheduler_.RunDue();
  EXPECT_THAT(fetcher_.urls(), IsEmpty());
  clock_.Advance(absl::Seconds(2));
  scheduler_.RunDue();
  const std::string without_fragment = link.substr(0, link.find('#'));
  EXPECT_THAT(fetcher_.urls(), ElementsAre(without_fragment));
  const auto log = service_->GetDeliveryLog(ChannelKind::kMessenger);
  ASSERT_EQ(log.preview_fetches.size(), 1u);
  EXPECT_EQ(log.preview_fetches[0].url, without_fragment);
  EXPECT_THAT(log.preview_fetches[0].url, Not(HasSubstr("#")));
  EXPECT_EQ(log.preview_fetches[0].http_status, 200);
  EXPECT_EQ(log.preview_fetches[0].og_title, "Car key from Alice");
  EXPECT_EQ(log.preview_fetches[0].message_id, sent->message_id);
  EXPECT_EQ(log.preview_fetches[0].fetched_at, clock_.Now());
}

TEST_F(ChannelServiceTest, PreviewBotOffOrOtherKindsFetchNothing) {
  ChannelConfig off;
  Configure(ChannelKind::kMessenger, off);
  auto sent = service_->Send(ChannelKind::kMessenger, "a", "b", ShareLink(16));
  ASSERT_TRUE(sent.ok());
  EXPECT_FALSE(sent->preview_fetch_scheduled);
  ASSERT_TRUE(service_->Send(ChannelKind::kEmail, "a", "b", ShareLink(16)).ok());
  scheduler_.RunDue();
  EXPECT_THAT(fetcher_.urls(), IsEmpty());
  ChannelConfig on_sms;
  on_sms.preview_bot = true;
  auto bad = service_->Configure(ChannelKind::kSms, on_sms);
  EXPECT_EQ(ReasonOf(bad.status()), "invalid_field");
  EXPECT_THAT(bad.status().message(), HasSubstr("config.preview_bot"));
}

TEST_F(ChannelServiceTest, PreviewFetchFailureIsRecorded) {
  fetcher_.SetAnswer(MakeError(absl::StatusCode::kUnavailable, "fetch_failed", "refused"));
  ASSERT_TRUE(service_->Send(ChannelKind::kMessenger, "a", "b", ShareLink(16)).ok());
  scheduler_.RunDue();
  const auto log = service_->GetDeliveryLog(ChannelKind::kMessenger);
  ASSERT_EQ(log.preview_fetches.size(), 1u);
  EXPECT_EQ(log.preview_fetches[0].http_status, 0);
  EXPECT_EQ(log.preview_fetches[0].error, "refused");
}

// The e-mail provider's link scanner (POST_FOLLOWING): it POSTs each link,
// fragment stripped, as a new client with its own claim and request id,
// before the mail is delivered; the scan is in the delivery log.
TEST_F(ChannelServiceTest, MailScannerPostsEachLinkBeforeDelivering) {
  ChannelConfig config;
  config.delay = absl::Seconds(1);
  config.mail_scanner = MailScanner::kPost;
  Configure(ChannelKind::kEmail, config);
  const std::string link = ShareLink(32);
  auto sent = service_->Send(ChannelKind::kEmail, "alice@x", "bob@x", "Car key: " + link);
  ASSERT_TRUE(sent.ok());
  EXPECT_THAT(fetcher_.posts(), IsEmpty());
  scheduler_.RunDue();  // the scan runs at once
  const std::string without_fragment = link.substr(0, link.find('#'));
  const auto posts = fetcher_.posts();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].url, without_fragment);
  std::map<std::string, std::string> headers(posts[0].headers.begin(), posts[0].headers.end());
  EXPECT_TRUE(IsValidUuid(headers["Mailbox-Device-Claim"]));
  EXPECT_TRUE(IsValidUuid(headers["Mailbox-Request-ID"]));
  EXPECT_THAT(fetcher_.urls(), IsEmpty());  // no GET
  EXPECT_THAT(Inbox(ChannelKind::kEmail, "bob@x"), IsEmpty());
  clock_.Advance(absl::Seconds(1));
  scheduler_.RunDue();
  EXPECT_EQ(Inbox(ChannelKind::kEmail, "bob@x").size(), 1u);
  const auto log = service_->GetDeliveryLog(ChannelKind::kEmail);
  ASSERT_EQ(log.preview_fetches.size(), 1u);
  EXPECT_EQ(log.preview_fetches[0].method, "POST");
  EXPECT_EQ(log.preview_fetches[0].fetcher, "mail_scanner");
  EXPECT_EQ(log.preview_fetches[0].url, without_fragment);
  EXPECT_EQ(log.preview_fetches[0].message_id, sent->message_id);
  EXPECT_EQ(log.preview_fetches[0].http_status, 200);
}

// A scanner that answers slowly still delivers: the copies are scheduled
// after the scan (a due time already past delivers at the next run).
TEST_F(ChannelServiceTest, MailScannerWithoutDelayDeliversAfterTheScan) {
  ChannelConfig config;
  config.mail_scanner = MailScanner::kPost;
  Configure(ChannelKind::kEmail, config);
  ASSERT_TRUE(service_->Send(ChannelKind::kEmail, "a", "b", ShareLink(16)).ok());
  EXPECT_THAT(Inbox(ChannelKind::kEmail, "b"), IsEmpty());
  scheduler_.RunDue();
  EXPECT_EQ(fetcher_.posts().size(), 1u);
  EXPECT_EQ(Inbox(ChannelKind::kEmail, "b").size(), 1u);
}

TEST_F(ChannelServiceTest, GetOnlyMailScannerFetchesThePreviewAndPostsNothing) {
  ChannelConfig config;
  config.mail_scanner = MailScanner::kGet;
  Configure(ChannelKind::kEmail, config);
  const std::string link = ShareLink(16);
  ASSERT_TRUE(service_->Send(ChannelKind::kEmail, "a", "b", link).ok());
  scheduler_.RunDue();
  EXPECT_THAT(fetcher_.urls(), ElementsAre(link.substr(0, link.find('#'))));
  EXPECT_THAT(fetcher_.posts(), IsEmpty());
  EXPECT_EQ(Inbox(ChannelKind::kEmail, "b").size(), 1u);
  const auto log = service_->GetDeliveryLog(ChannelKind::kEmail);
  ASSERT_EQ(log.preview_fetches.size(), 1u);
  EXPECT_EQ(log.preview_fetches[0].method, "GET");
  EXPECT_EQ(log.preview_fetches[0].fetcher, "mail_scanner");
}

TEST_F(ChannelServiceTest, MailScannerLeavesMailsWithoutLinksAndOtherKindsAlone) {
  ChannelConfig config;
  config.mail_scanner = MailScanner::kPost;
  Configure(ChannelKind::kEmail, config);
  ASSERT_TRUE(service_->Send(ChannelKind::kEmail, "a", "b", "PIN: 604219").ok());
  EXPECT_EQ(Inbox(ChannelKind::kEmail, "b").size(), 1u);  // delivered at once
  ASSERT_TRUE(service_->Send(ChannelKind::kSms, "a", "b", ShareLink(16)).ok());
  scheduler_.RunDue();
  EXPECT_THAT(fetcher_.posts(), IsEmpty());
  ChannelConfig on_sms;
  on_sms.mail_scanner = MailScanner::kPost;
  auto bad = service_->Configure(ChannelKind::kSms, on_sms);
  EXPECT_EQ(ReasonOf(bad.status()), "invalid_field");
  EXPECT_THAT(bad.status().message(), HasSubstr("config.mail_scanner"));
}

TEST_F(ChannelServiceTest, DeliveryLogAndStderrCarryNoBody) {
  const std::string link = ShareLink(16);
  const std::string secret = link.substr(link.find('#') + 1);
  const std::string body = "PIN 482913 and " + link;
  testing::internal::CaptureStderr();
  auto tap = service_->Tap(ChannelKind::kMessenger, "", "eve");
  ASSERT_TRUE(service_->Send(ChannelKind::kMessenger, "alice", "bob", body).ok());
  ASSERT_TRUE(service_->Send(ChannelKind::kMessenger, "alice", "bob", "no link").ok());
  scheduler_.RunDue();
  const std::string logged = testing::internal::GetCapturedStderr();
  EXPECT_THAT(logged, HasSubstr("fragment=yes"));
  EXPECT_THAT(logged, Not(HasSubstr(secret)));
  EXPECT_THAT(logged, Not(HasSubstr("482913")));
  const auto log = service_->GetDeliveryLog(ChannelKind::kMessenger);
  ASSERT_EQ(log.deliveries.size(), 2u);
  const DeliveryRecord& r = log.deliveries[0];
  EXPECT_EQ(r.body_length, body.size());
  EXPECT_TRUE(r.contained_link_fragment);
  EXPECT_FALSE(log.deliveries[1].contained_link_fragment);
  EXPECT_EQ(r.from, "alice");
  EXPECT_EQ(r.to, "bob");
  for (const std::string& field : {r.message_id, r.from, r.to}) {
    EXPECT_THAT(field, Not(HasSubstr(secret)));
    EXPECT_THAT(field, Not(HasSubstr("482913")));
  }
  for (const PreviewFetch& f : log.preview_fetches) {
    EXPECT_THAT(f.url, Not(HasSubstr(secret)));
  }
}

TEST_F(ChannelServiceTest, WatchReplaysThenStreamsAndShutdownEndsTheStream) {
  ASSERT_TRUE(service_->Send(ChannelKind::kEmail, "a", "b", "old").ok());
  auto watch = service_->WatchInbox(ChannelKind::kEmail, "b", 0);
  ASSERT_TRUE(watch.ok());
  ASSERT_TRUE(service_->Send(ChannelKind::kEmail, "a", "b", "new").ok());
  auto first = (*watch)->Next(absl::ZeroDuration());
  auto second = (*watch)->Next(absl::ZeroDuration());
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_EQ(first->body, "old");
  EXPECT_EQ(second->body, "new");
  EXPECT_EQ(second->sequence, 2u);
  auto tap = service_->Tap(ChannelKind::kEmail, "", "eve");
  ASSERT_TRUE(tap.ok());
  service_->Shutdown();
  EXPECT_TRUE((*watch)->closed());
  EXPECT_TRUE((*tap)->closed());
  EXPECT_FALSE((*watch)->Next(absl::Seconds(10)).has_value());  // returns at once
  EXPECT_EQ(ReasonOf(service_->WatchInbox(ChannelKind::kEmail, "b", 0).status()), "shutting_down");
  EXPECT_EQ(ReasonOf(service_->Send(ChannelKind::kEmail, "a", "b", "x").status()), "shutting_down");
}

TEST_F(ChannelServiceTest, BadInputNamesTheField) {
  struct Case {
    std::string from, to, body, field;
  } cases[] = {
      {"", "b", "x", "from"},
      {"a", "", "x", "to"},
      {"a", std::string(300, 'b'), "x", "to"},
      {"a", "b\n", "x", "to"},
      {"a", "b", "\xC3", "body"},
      {"a", "b", std::string(70000, 'x'), "body"},
  };
  for (const Case& c : cases) {
    auto r = service_->Send(ChannelKind::kEmail, c.from, c.to, c.body);
    EXPECT_EQ(ReasonOf(r.status()), "invalid_field") << c.field;
    EXPECT_THAT(r.status().message(), HasSubstr(c.field));
  }
  auto cursor = service_->Receive(ChannelKind::kEmail, "b", 5, 0);
  EXPECT_EQ(cursor.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(ReasonOf(cursor.status()), "cursor_in_future");
  ChannelConfig bad;
  bad.loss_probability = 1.5;
  EXPECT_THAT(service_->Configure(ChannelKind::kSms, bad).status().message(),
              HasSubstr("config.loss_probability"));
  bad = ChannelConfig();
  bad.duplicate_probability = std::nan("");
  EXPECT_EQ(ReasonOf(service_->Configure(ChannelKind::kSms, bad).status()), "invalid_field");
  bad = ChannelConfig();
  bad.delay = absl::Seconds(-1);
  EXPECT_THAT(service_->Configure(ChannelKind::kSms, bad).status().message(),
              HasSubstr("config.delay"));
  EXPECT_EQ(ReasonOf(service_->Tap(ChannelKind::kSms, "", "").status()), "invalid_field");
}

TEST_F(ChannelServiceTest, ReceiveHonoursMaxMessages) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(service_->Send(ChannelKind::kEmail, "a", "b", "x").ok());
  auto r = service_->Receive(ChannelKind::kEmail, "b", 1, 2);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->messages.size(), 2u);
  EXPECT_EQ(r->messages[0].sequence, 2u);
  EXPECT_EQ(r->last_sequence, 5u);
}

// Retention (docs/channel.md "Retention"): without it every message, record
// and fetch stays for the life of the server (the soak's +20 MiB/h of heap).
TEST_F(ChannelServiceTest, InboxCapDropsTheOldestFirstAndCountsThem) {
  ChannelServiceOptions options;
  options.max_inbox_messages = 3;
  Rebuild(options);
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(service_->Send(ChannelKind::kSms, "a", "b", absl::StrCat("m", i)).ok());
  }
  auto all = service_->Receive(ChannelKind::kSms, "b", 0, 0);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->messages.size(), 3u);
  // Sequences are not reused: the survivors keep theirs.
  EXPECT_EQ(all->messages[0].sequence, 3u);
  EXPECT_EQ(all->messages[0].body, "m3");
  EXPECT_EQ(all->messages[2].sequence, 5u);
  EXPECT_EQ(all->last_sequence, 5u);
  EXPECT_EQ(all->dropped, 2u);
  // A reader whose cursor is past the dropped ones missed nothing.
  auto later = service_->Receive(ChannelKind::kSms, "b", 3, 0);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->dropped, 0u);
  ASSERT_EQ(later->messages.size(), 2u);
  EXPECT_EQ(later->messages[0].sequence, 4u);
  auto one = service_->Receive(ChannelKind::kSms, "b", 1, 0);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->dropped, 1u);
  EXPECT_EQ(service_->GetDeliveryLog(ChannelKind::kSms).dropped_inbox_messages, 2u);
  // A watch from the start gets what is left, in order.
  auto watch = service_->WatchInbox(ChannelKind::kSms, "b", 0);
  ASSERT_TRUE(watch.ok());
  auto first = (*watch)->Next(absl::ZeroDuration());
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->sequence, 3u);
  // New deliveries continue the numbering.
  ASSERT_TRUE(service_->Send(ChannelKind::kSms, "a", "b", "m6").ok());
  EXPECT_EQ(Inbox(ChannelKind::kSms, "b").back().sequence, 6u);
  EXPECT_EQ(Inbox(ChannelKind::kSms, "b").size(), 3u);
}

TEST_F(ChannelServiceTest, RetentionDropsMessagesRecordsAndFetchesOlderThanThePeriod) {
  ChannelServiceOptions options;
  options.retention = absl::Minutes(10);
  Rebuild(options);
  ChannelConfig messenger;
  messenger.preview_bot = true;
  Configure(ChannelKind::kMessenger, messenger);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(service_->Send(ChannelKind::kEmail, "a", "b", "old").ok());
    ASSERT_TRUE(
        service_->Send(ChannelKind::kMessenger, "a", "c", "see https://relay.example/p").ok());
  }
  scheduler_.RunDue();
  EXPECT_EQ(service_->Sizes().inbox_messages, 8u);
  EXPECT_EQ(service_->GetDeliveryLog(ChannelKind::kMessenger).preview_fetches.size(), 4u);

  clock_.Advance(absl::Minutes(9));
  ASSERT_TRUE(service_->Send(ChannelKind::kEmail, "a", "b", "new").ok());
  EXPECT_EQ(Inbox(ChannelKind::kEmail, "b").size(), 5u);  // nothing older than 10 min yet

  clock_.Advance(absl::Minutes(2));  // the first four are 11 minutes old
  auto inbox = service_->Receive(ChannelKind::kEmail, "b", 0, 0);
  ASSERT_TRUE(inbox.ok());
  ASSERT_EQ(inbox->messages.size(), 1u);
  EXPECT_EQ(inbox->messages[0].body, "new");
  EXPECT_EQ(inbox->messages[0].sequence, 5u);
  EXPECT_EQ(inbox->dropped, 4u);
  ASSERT_TRUE(service_->Send(ChannelKind::kMessenger, "a", "c", "no link").ok());
  const DeliveryLog log = service_->GetDeliveryLog(ChannelKind::kMessenger);
  ASSERT_EQ(log.deliveries.size(), 1u);
  EXPECT_EQ(log.dropped_deliveries, 4u);
  EXPECT_THAT(log.preview_fetches, IsEmpty());
  EXPECT_EQ(log.dropped_preview_fetches, 4u);
  EXPECT_EQ(log.dropped_inbox_messages, 4u);
  // Every inbox is swept, also one nobody sends to or reads any more.
  const ChannelSizes sizes = service_->Sizes();
  EXPECT_EQ(sizes.inbox_messages, 2u);  // "new" and "no link"
  EXPECT_EQ(sizes.deliveries, 2u);
  EXPECT_EQ(sizes.preview_fetches, 0u);
}

TEST_F(ChannelServiceTest, MemoryStaysBoundedUnderASteadyLoad) {
  ChannelServiceOptions options;
  options.retention = absl::Minutes(2);
  options.max_inbox_messages = 50;
  options.max_delivery_records = 100;
  Rebuild(options);
  // 6,000 messages, one every 100 ms of the injected clock (10 minutes).
  for (int i = 0; i < 6000; ++i) {
    ASSERT_TRUE(service_->Send(ChannelKind::kSms, "a", i % 2 ? "b" : "c", "x").ok());
    clock_.Advance(absl::Milliseconds(100));
  }
  const ChannelSizes sizes = service_->Sizes();
  EXPECT_EQ(sizes.inboxes, 2u);
  EXPECT_EQ(sizes.inbox_messages, 100u);  // the cap of each of the two inboxes
  EXPECT_EQ(sizes.deliveries, 100u);
  const DeliveryLog log = service_->GetDeliveryLog(ChannelKind::kSms);
  EXPECT_EQ(log.dropped_deliveries, 5900u);
  EXPECT_EQ(log.dropped_inbox_messages, 5900u);
}

TEST_F(ChannelServiceTest, ADelayedCopyOfADroppedRecordIsStillDelivered) {
  ChannelServiceOptions options;
  options.max_delivery_records = 1;
  Rebuild(options);
  Configure(ChannelKind::kSms, ChannelConfig{absl::Seconds(5)});
  ASSERT_TRUE(service_->Send(ChannelKind::kSms, "a", "b", "first").ok());
  ASSERT_TRUE(service_->Send(ChannelKind::kSms, "a", "b", "second").ok());
  clock_.Advance(absl::Seconds(5));
  scheduler_.RunDue();
  const auto inbox = Inbox(ChannelKind::kSms, "b");
  ASSERT_EQ(inbox.size(), 2u);
  const DeliveryLog log = service_->GetDeliveryLog(ChannelKind::kSms);
  ASSERT_EQ(log.deliveries.size(), 1u);
  EXPECT_EQ(log.deliveries[0].copies_delivered, 1u);
  EXPECT_EQ(log.deliveries[0].copies_pending, 0u);
}

}  // namespace
}  // namespace sct::channel
