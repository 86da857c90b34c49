// Many receivers race over HTTP to read (and so bind) the same mailbox:
// exactly one wins with 200, every other one gets 401, and afterwards only
// the winner can read.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/barrier.h"
#include "common/uuid.h"
#include "gtest/gtest.h"
#include "relay/relay_test_util.h"

namespace sct::relay {
namespace {

using testing::Answer;
using testing::Client;
using testing::CreateBody;
using testing::IdFromUrl;
using testing::StoreKind;
using testing::TestRelay;

class RelayHttpConcurrencyTest : public ::testing::TestWithParam<StoreKind> {};

TEST_P(RelayHttpConcurrencyTest, ExactlyOneRacingReaderBinds) {
  constexpr int kReaders = 24;
  constexpr int kRounds = 10;
  TestRelay relay(GetParam(), RelayLimits(), /*threads=*/kReaders + 4);
  Client sender_client(relay.http->port());
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(round);
    const std::string sender = NewUuidV4();
    Answer created = sender_client.Create(sender, CreateBody());
    ASSERT_EQ(created.status, 200) << created.body;
    const std::string id = IdFromUrl(created.json["urlLink"].get<std::string>());

    std::vector<std::string> claims(kReaders);
    for (auto& c : claims) c = NewUuidV4();
    std::vector<int> statuses(kReaders, 0);
    absl::Barrier* barrier = new absl::Barrier(kReaders);  // deleted by the last waiter
    std::vector<std::thread> threads;
    for (int i = 0; i < kReaders; ++i) {
      threads.emplace_back([&, i] {
        Client c(relay.http->port());
        if (barrier->Block()) delete barrier;
        statuses[i] = c.Read(id, claims[i]).status;
      });
    }
    for (auto& t : threads) t.join();

    int winners = 0, losers = 0, winner = -1;
    for (int i = 0; i < kReaders; ++i) {
      if (statuses[i] == 200) {
        ++winners;
        winner = i;
      } else if (statuses[i] == 401) {
        ++losers;
      } else {
        ADD_FAILURE() << "reader " << i << " got " << statuses[i];
      }
    }
    EXPECT_EQ(winners, 1);
    EXPECT_EQ(losers, kReaders - 1);
    ASSERT_GE(winner, 0);
    // The binding is the winner's and only the winner's.
    EXPECT_EQ(sender_client.Read(id, claims[winner]).status, 200);
    EXPECT_EQ(sender_client.Read(id, claims[(winner + 1) % kReaders]).status, 401);
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, RelayHttpConcurrencyTest,
                         ::testing::Values(StoreKind::kMemory, StoreKind::kSqlite),
                         [](const auto& info) { return testing::StoreKindName(info.param); });

}  // namespace
}  // namespace sct::relay
