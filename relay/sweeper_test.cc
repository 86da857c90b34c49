#include "relay/sweeper.h"

#include <atomic>
#include <string>

#include "absl/synchronization/notification.h"
#include "common/clock.h"
#include "common/uuid.h"
#include "gtest/gtest.h"
#include "relay/memory_mailbox_store.h"

namespace sct::relay {
namespace {

class SweeperTest : public testing::Test {
 protected:
  SweeperTest() : service_(&store_, &clock_, nullptr, "https://r.example", RelayLimits()) {}

  void CreateExpiringIn(absl::Duration ttl) {
    CreateMailboxRequest req;
    req.device_claim = NewUuidV4();
    req.request_id = NewUuidV4();
    req.payload = Payload{kAeadAes128Gcm, std::string(40, 'x')};
    req.expiration = clock_.Now() + ttl;
    ASSERT_TRUE(service_.CreateMailbox(CallContext{"127.0.0.1"}, req).ok());
  }

  FakeClock clock_;
  MemoryMailboxStore store_;
  MailboxService service_;
};

TEST_F(SweeperTest, RunOnceDrainsInBatches) {
  for (int i = 0; i < 25; ++i) CreateExpiringIn(absl::Minutes(1));
  CreateExpiringIn(absl::Hours(1));
  Sweeper sweeper(&service_, SweeperOptions{absl::Hours(1), /*batch_limit=*/10, nullptr});
  EXPECT_EQ(*sweeper.RunOnce(), 0);
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(*sweeper.RunOnce(), 25);  // batches of 10, 10, 5
  EXPECT_EQ(*store_.Count(), 1);
  EXPECT_EQ(service_.stats().mailboxes_swept, 25);
}

TEST_F(SweeperTest, BackgroundThreadSweepsAndStopsPromptly) {
  for (int i = 0; i < 3; ++i) CreateExpiringIn(absl::Minutes(1));
  clock_.Advance(absl::Minutes(1));
  absl::Notification swept;
  std::atomic<int64_t> total{0};
  SweeperOptions options;
  // An interval far longer than any test timeout: if Stop() waited for the
  // interval instead of waking the thread, this test would time out.
  options.interval = absl::Hours(24);
  options.on_pass = [&](int64_t removed) {
    total += removed;
    if (total.load() == 3 && !swept.HasBeenNotified()) swept.Notify();
  };
  Sweeper sweeper(&service_, options);
  sweeper.Start();
  ASSERT_TRUE(swept.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_EQ(*store_.Count(), 0);
  sweeper.Stop();
  sweeper.Stop();  // idempotent
}

TEST_F(SweeperTest, StopWithoutStartIsANoOp) {
  Sweeper sweeper(&service_, SweeperOptions{});
  sweeper.Stop();
}

}  // namespace
}  // namespace sct::relay
