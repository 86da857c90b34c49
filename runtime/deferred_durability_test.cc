#include "runtime/deferred_durability.h"

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace sct {
namespace {

// A source whose writes become durable when the test says so.
class ManualSource : public DurabilitySource {
 public:
  void WhenDurable(int64_t ticket, Done done) override {
    absl::MutexLock lock(&mu);
    tickets.push_back(ticket);
    pending.push_back(std::move(done));
  }
  void Sync(absl::Status status = absl::OkStatus()) {
    std::vector<Done> due;
    {
      absl::MutexLock lock(&mu);
      due.swap(pending);
    }
    for (Done& d : due) d(status);
  }
  void AwaitPending() {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](std::vector<Done>* p) { return !p->empty(); }, &pending));
  }
  absl::Mutex mu;
  std::vector<int64_t> tickets;
  std::vector<Done> pending;
};

TEST(DeferredDurabilityTest, NothingRecordedAnswersInline) {
  std::vector<std::string> events;
  DeferredDurability scope;
  EXPECT_EQ(DeferredDurability::Current(), &scope);
  DeferredDurability::AfterDurable([&] { events.push_back("push"); });
  scope.Then([&](absl::Status s) {
    EXPECT_TRUE(s.ok());
    events.push_back("answer");
  });
  EXPECT_EQ(DeferredDurability::Current(), nullptr);
  EXPECT_EQ(events, (std::vector<std::string>{"push", "answer"}));
}

TEST(DeferredDurabilityTest, WithoutAScopeAfterDurableRunsAtOnce) {
  bool ran = false;
  DeferredDurability::AfterDurable([&] { ran = true; });
  EXPECT_TRUE(ran);
}

TEST(DeferredDurabilityTest, TheAnswerAndTheActionsWaitForTheLargestTicket) {
  ManualSource source;
  std::vector<std::string> events;
  DeferredDurability scope;
  EXPECT_TRUE(scope.Accepts(&source));
  scope.Require(&source, 7);
  scope.Require(&source, 5);
  DeferredDurability::AfterDurable([&] { events.push_back("push"); });
  scope.Then([&](absl::Status s) {
    EXPECT_TRUE(s.ok());
    events.push_back("answer");
  });
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(source.tickets, (std::vector<int64_t>{7}));
  source.Sync();
  EXPECT_EQ(events, (std::vector<std::string>{"push", "answer"}));
}

TEST(DeferredDurabilityTest, AFailedSyncAnswersItsErrorAndDropsTheActions) {
  ManualSource source;
  std::vector<std::string> events;
  DeferredDurability scope;
  scope.Require(&source, 1);
  DeferredDurability::AfterDurable([&] { events.push_back("push"); });
  absl::Status answer;
  scope.Then([&](absl::Status s) { answer = std::move(s); });
  source.Sync(absl::UnavailableError("disk"));
  EXPECT_EQ(answer.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(events.empty());
}

TEST(DeferredDurabilityTest, OneSourcePerScopeAndScopesNest) {
  ManualSource a, b;
  DeferredDurability outer;
  outer.Require(&a, 1);
  EXPECT_TRUE(outer.Accepts(&a));
  EXPECT_FALSE(outer.Accepts(&b));
  {
    DeferredDurability inner;
    EXPECT_EQ(DeferredDurability::Current(), &inner);
    inner.Then([](absl::Status) {});
  }
  EXPECT_EQ(DeferredDurability::Current(), &outer);
  outer.Then([](absl::Status) {});
  a.Sync();
}

TEST(DeferredDurabilityTest, AScopeEndedWithoutThenWaitsForItsWrites) {
  ManualSource source;
  absl::Notification recorded;
  std::thread handler([&] {
    DeferredDurability scope;
    scope.Require(&source, 3);
    recorded.Notify();
    // Leaves without Then: the destructor waits for the sync.
  });
  recorded.WaitForNotification();
  // The scope's destructor asks the source and cannot end before the sync.
  source.AwaitPending();
  source.Sync();
  handler.join();
  EXPECT_EQ(source.tickets, (std::vector<int64_t>{3}));
}

}  // namespace
}  // namespace sct
