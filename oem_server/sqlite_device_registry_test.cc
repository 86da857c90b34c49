#include "oem_server/sqlite_device_registry.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>
#include <atomic>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "gtest/gtest.h"

namespace sct::oem {
namespace {

std::string TempPath(absl::string_view name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir ? dir : "/tmp", "/", name, ".db");
}

const absl::Time kNow = absl::FromUnixSeconds(1735689600);

DeviceRecord Dev(absl::string_view id, absl::string_view spki) {
  return DeviceRecord{std::string(id), std::string(spki), "hash", "sim", kNow};
}

TEST(SqliteDeviceRegistryTest, DevicesRoundTripAndDuplicatesAreRejected) {
  auto reg = SqliteDeviceRegistry::Open(TempPath("devices")).value();
  ASSERT_TRUE(reg->InsertDevice(Dev("d1", "spki1")).ok());
  auto got = reg->GetDevice("d1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->identity_spki, "spki1");
  EXPECT_EQ(got->token_hash, "hash");
  EXPECT_EQ(got->enrolled_at, kNow);
  EXPECT_EQ(reg->InsertDevice(Dev("d1", "spki2")).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(reg->InsertDevice(Dev("d2", "spki1")).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(reg->GetDevice("nope").status().code(),
            absl::StatusCode::kNotFound);
}

// Group commit: notifications appended from 16 threads at once (one device
// each, and a shared one) are all acknowledged, sequenced without gaps, and
// present after reopen.
TEST(SqliteDeviceRegistryTest, ConcurrentAppendsAllAcknowledgedAndPresentAfterReopen) {
  const std::string path = TempPath("concurrent");
  std::remove(path.c_str());
  std::remove((path + "-wal").c_str());
  constexpr int kThreads = 16;
  constexpr int kPerThread = 10;
  std::atomic<int> failures{0};
  {
    auto reg = SqliteDeviceRegistry::Open(path).value();
    ASSERT_TRUE(reg->InsertDevice(Dev("shared", "spki-shared")).ok());
    for (int t = 0; t < kThreads; ++t) {
      ASSERT_TRUE(reg->InsertDevice(Dev(absl::StrCat("d", t), absl::StrCat("spki", t))).ok());
    }
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          StoredNotification n;
          n.mailbox_id = absl::StrCat("m", t, "-", i);
          n.token_data = "tok";
          n.received_at = kNow;
          if (!reg->AppendNotification(absl::StrCat("d", t), n, 100).ok()) ++failures;
          if (!reg->AppendNotification("shared", n, 1000).ok()) ++failures;
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  EXPECT_EQ(failures.load(), 0);
  auto reg = SqliteDeviceRegistry::Open(path).value();
  EXPECT_EQ(reg->LastSequence("shared").value(), kThreads * kPerThread);
  auto shared = reg->ReadNotifications("shared", 0, false).value();
  ASSERT_EQ(shared.size(), static_cast<size_t>(kThreads * kPerThread));
  for (size_t i = 0; i < shared.size(); ++i) EXPECT_EQ(shared[i].sequence, i + 1);
  for (int t = 0; t < kThreads; ++t) {
    auto mine = reg->ReadNotifications(absl::StrCat("d", t), 0, false).value();
    ASSERT_EQ(mine.size(), static_cast<size_t>(kPerThread)) << t;
    EXPECT_EQ(mine.back().mailbox_id, absl::StrCat("m", t, "-", kPerThread - 1));
  }
}

TEST(SqliteDeviceRegistryTest, PushTokensExpireAndAreSwept) {
  auto reg = SqliteDeviceRegistry::Open(TempPath("push")).value();
  ASSERT_TRUE(reg->InsertPushToken("t1", {"d1", kNow + absl::Hours(1)}).ok());
  ASSERT_TRUE(reg->InsertPushToken("t2", {"d2", kNow + absl::Hours(2)}).ok());
  EXPECT_EQ(reg->GetPushToken("t1", kNow).value().device_id, "d1");
  EXPECT_EQ(reg->GetPushToken("t1", kNow + absl::Hours(1)).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(reg->SweepExpiredPushTokens(kNow + absl::Hours(1), 10).value(), 1);
  EXPECT_EQ(reg->SweepExpiredPushTokens(kNow + absl::Hours(1), 10).value(), 0);
  EXPECT_EQ(reg->GetPushToken("t2", kNow).value().device_id, "d2");
}

TEST(SqliteDeviceRegistryTest, NotificationQueueIsSequencedBoundedAndDurable) {
  std::string path = TempPath("queue");
  {
    auto reg = SqliteDeviceRegistry::Open(path).value();
    ASSERT_TRUE(reg->InsertDevice(Dev("d1", "s1")).ok());
    for (int i = 1; i <= 4; ++i) {
      StoredNotification n;
      n.mailbox_id = absl::StrCat("m", i);
      n.token_data = "t";
      n.received_at = kNow;
      auto stored = reg->AppendNotification("d1", n, /*keep=*/3);
      ASSERT_TRUE(stored.ok());
      EXPECT_EQ(stored->sequence, static_cast<uint64_t>(i));
    }
    StoredNotification n;
    EXPECT_EQ(reg->AppendNotification("ghost", n, 3).status().code(),
              absl::StatusCode::kNotFound);
    EXPECT_EQ(ReasonOf(reg->AppendNotification("d1", n, 0).status()),
              "invalid_field");
    ASSERT_TRUE(reg->MarkDelivered("d1", 2).ok());
  }
  auto reg = SqliteDeviceRegistry::Open(path).value();
  EXPECT_EQ(reg->LastSequence("d1").value(), 4u);
  auto all = reg->ReadNotifications("d1", 0, false).value();
  ASSERT_EQ(all.size(), 3u);  // m1 trimmed by the bound
  EXPECT_EQ(all[0].mailbox_id, "m2");
  EXPECT_TRUE(all[0].delivered);
  auto pending = reg->ReadNotifications("d1", 0, true).value();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].sequence, 3u);
  EXPECT_EQ(reg->ReadNotifications("d1", 3, false).value().size(), 1u);
}

TEST(SqliteDeviceRegistryTest, AttestedKeysAreFoundByCertificateHash) {
  auto reg = SqliteDeviceRegistry::Open(TempPath("keys")).value();
  ASSERT_TRUE(reg->InsertAttestedKey("h1", {"d1", "k1"}, kNow).ok());
  ASSERT_TRUE(reg->InsertAttestedKey("h1", {"d1", "k1"}, kNow).ok());
  EXPECT_EQ(reg->GetAttestedKey("h1").value().public_key_spki, "k1");
  EXPECT_EQ(reg->GetAttestedKey("h2").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(SqliteDeviceRegistryTest, NonDatabaseFileIsRefusedNamingIt) {
  std::string path = TempPath("garbage");
  {
    std::ofstream out(path);
    out << std::string(4096, 'x');
  }
  auto reg = SqliteDeviceRegistry::Open(path);
  EXPECT_EQ(reg.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(SqliteDeviceRegistry::Open("").status()), "invalid_field");
}

}  // namespace
}  // namespace sct::oem
