#include "runtime/heap_trim.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"

namespace sct {
namespace {

// VmRSS of this process in KiB (0 if unreadable).
long RssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view v = line;
    if (!absl::ConsumePrefix(&v, "VmRSS:")) continue;
    v = absl::StripAsciiWhitespace(v);
    absl::ConsumeSuffix(&v, "kB");
    long kib = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(v), &kib)) return kib;
  }
  return 0;
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SCT_SANITIZED_ALLOCATOR 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || \
    defined(SCT_SANITIZED_ALLOCATOR)
constexpr bool kGlibcMalloc = false;  // the sanitizers bring their own allocator
#else
constexpr bool kGlibcMalloc = true;
#endif

// 64 MiB freed below a block still in use: malloc keeps it resident (free
// only trims the top of the heap) until a trim hands its pages back.
TEST(HeapTrimTest, TrimReleasesFreedMemoryHeldBelowALiveBlock) {
  if (!kGlibcMalloc) GTEST_SKIP() << "not glibc's allocator";
  constexpr size_t kBlock = 16 * 1024;  // below the mmap threshold: from the heap
  constexpr size_t kBlocks = 4096;      // 64 MiB
  std::vector<char*> blocks;
  for (size_t i = 0; i < kBlocks; ++i) {
    char* b = static_cast<char*>(std::malloc(kBlock));
    ASSERT_NE(b, nullptr);
    std::memset(b, 0x5a, kBlock);  // make it resident
    blocks.push_back(b);
  }
  char* pin = static_cast<char*>(std::malloc(kBlock));  // keeps the freed ones off the top
  std::memset(pin, 1, kBlock);
  for (char* b : blocks) std::free(b);
  const long freed = RssKib();
  ASSERT_TRUE(TrimHeapNow());
  const long trimmed = RssKib();
  std::free(pin);
  // Without the trim the 64 MiB stay resident.
  EXPECT_GT(freed - trimmed, 32 * 1024) << "RSS " << freed << " kB -> " << trimmed << " kB";
}

// glibc raises its mmap threshold to the size of every mapped block freed, so
// the next block of that size comes from an arena and stays resident after
// its free(); with the threshold fixed it is mapped again, and unmapped by
// its free().
TEST(HeapTrimTest, FixedMmapThresholdKeepsLargeBlocksOutOfTheArenas) {
  if (!kGlibcMalloc) GTEST_SKIP() << "not glibc's allocator";
  AllocatorSettings settings;
  settings.mmap_threshold = 128 * 1024;
  settings.trim_threshold = 128 * 1024;
  ASSERT_TRUE(ConfigureAllocator(settings));
  constexpr size_t kBig = 1024 * 1024;  // a device's wallet copy
  char* first = static_cast<char*>(std::malloc(kBig));
  ASSERT_NE(first, nullptr);
  std::memset(first, 1, kBig);
  std::free(first);  // the dynamic threshold would now be above kBig
  const size_t mapped_before = mallinfo2().hblks;
  char* second = static_cast<char*>(std::malloc(kBig));
  ASSERT_NE(second, nullptr);
  std::memset(second, 2, kBig);
  EXPECT_EQ(mallinfo2().hblks, mapped_before + 1) << "the second 1 MiB block came from an arena";
  std::free(second);
  EXPECT_EQ(mallinfo2().hblks, mapped_before) << "freeing it did not unmap it";
}

TEST(HeapTrimTest, ConfigureAllocatorRefusesAThresholdGlibcCannotHonour) {
  AllocatorSettings settings;
  settings.mmap_threshold = size_t{64} * 1024 * 1024;  // above glibc's 32 MiB maximum
  EXPECT_FALSE(ConfigureAllocator(settings));
}

TEST(HeapTrimTest, PeriodicTrimStopsWhenDestroyed) {
  // A period far longer than the test: destruction must not wait it out.
  PeriodicHeapTrim trim(absl::Hours(1));
  EXPECT_EQ(trim.trims(), 0);
}

}  // namespace
}  // namespace sct
