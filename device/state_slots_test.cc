#include "device/state_slots.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "common/errors.h"
#include "gtest/gtest.h"

namespace sct::device {
namespace {

std::string TmpPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = std::string(dir ? dir : "/tmp") + "/" + name;
  std::remove(path.c_str());
  return path;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string Loaded(const std::string& path) {
  StateSlots slots(path);
  auto loaded = slots.Load();
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  if (!loaded.ok() || !loaded->has_value()) return "<none>";
  EXPECT_FALSE((*loaded)->legacy);
  return (*loaded)->payload;
}

TEST(StateSlotsTest, NoFileLoadsNothing) {
  StateSlots slots(TmpPath("slots_none"));
  auto loaded = slots.Load();
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded->has_value());
}

TEST(StateSlotsTest, TheNewestWriteIsLoadedAndLaterWritesGoInPlace) {
  const std::string path = TmpPath("slots_newest");
  StateSlots slots(path);
  ASSERT_TRUE(slots.Load().ok());
  ASSERT_TRUE(slots.Write("one").ok());
  ASSERT_TRUE(slots.Write("two").ok());
  ASSERT_TRUE(slots.Write("three").ok());
  // The first write lays the file out (rename: two syncs); the others write
  // one half each in place (one fdatasync).
  EXPECT_EQ(slots.relayouts(), 1u);
  EXPECT_EQ(slots.in_place_writes(), 2u);
  EXPECT_EQ(Loaded(path), "three");
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(StateSlotsTest, AReopenedFileContinuesInPlace) {
  const std::string path = TmpPath("slots_reopen");
  {
    StateSlots slots(path);
    ASSERT_TRUE(slots.Load().ok());
    ASSERT_TRUE(slots.Write("a").ok());
    ASSERT_TRUE(slots.Write("b").ok());
  }
  StateSlots slots(path);
  auto loaded = slots.Load();
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ((*loaded)->payload, "b");
  ASSERT_TRUE(slots.Write("c").ok());
  ASSERT_TRUE(slots.Write("d").ok());
  EXPECT_EQ(slots.relayouts(), 0u);
  EXPECT_EQ(Loaded(path), "d");
}

// A write torn by a crash leaves a half whose checksum fails: the other half,
// the state acknowledged before, is loaded.
TEST(StateSlotsTest, ATornNewestSlotLoadsTheOlderOne) {
  const std::string path = TmpPath("slots_torn");
  StateSlots slots(path);
  ASSERT_TRUE(slots.Load().ok());
  ASSERT_TRUE(slots.Write("older state").ok());
  ASSERT_TRUE(slots.Write("newest state").ok());
  std::string bytes = ReadAll(path);
  const size_t half = bytes.size() / 2;
  // "newest state" went to the second half (the first held "older state").
  ASSERT_EQ(bytes.substr(half + StateSlots::kHeaderSize, 12), "newest state");
  bytes[half + StateSlots::kHeaderSize + 3] ^= 0x01;
  WriteAll(path, bytes);
  EXPECT_EQ(Loaded(path), "older state");

  // Its header torn instead (a sequence that is not the one summed).
  bytes = ReadAll(path);
  bytes[half + StateSlots::kHeaderSize + 3] ^= 0x01;  // payload whole again
  bytes[half + 8] ^= 0x40;
  WriteAll(path, bytes);
  EXPECT_EQ(Loaded(path), "older state");
}

TEST(StateSlotsTest, AfterATornSlotTheNextWriteReplacesIt) {
  const std::string path = TmpPath("slots_torn_next");
  {
    StateSlots slots(path);
    ASSERT_TRUE(slots.Load().ok());
    ASSERT_TRUE(slots.Write("first").ok());
    ASSERT_TRUE(slots.Write("second").ok());
  }
  std::string bytes = ReadAll(path);
  bytes[bytes.size() / 2 + StateSlots::kHeaderSize] ^= 0x01;  // "second" torn
  WriteAll(path, bytes);
  StateSlots slots(path);
  auto loaded = slots.Load();
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ((*loaded)->payload, "first");
  // The torn half is the one written next; "first" stays until then.
  ASSERT_TRUE(slots.Write("third").ok());
  bytes = ReadAll(path);
  EXPECT_EQ(bytes.substr(StateSlots::kHeaderSize, 5), "first");
  EXPECT_EQ(Loaded(path), "third");
}

TEST(StateSlotsTest, BothSlotsCorruptIsDataLoss) {
  const std::string path = TmpPath("slots_both");
  {
    StateSlots slots(path);
    ASSERT_TRUE(slots.Load().ok());
    ASSERT_TRUE(slots.Write("x1").ok());
    ASSERT_TRUE(slots.Write("x2").ok());
  }
  std::string bytes = ReadAll(path);
  bytes[StateSlots::kHeaderSize] ^= 0x01;
  bytes[bytes.size() / 2 + StateSlots::kHeaderSize] ^= 0x01;
  WriteAll(path, bytes);
  StateSlots slots(path);
  auto loaded = slots.Load();
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ReasonOf(loaded.status()), "state_file_corrupt");
}

TEST(StateSlotsTest, AFileWithoutSlotsIsLegacyAndAWriteConvertsIt) {
  const std::string path = TmpPath("slots_legacy");
  WriteAll(path, "a bare single-record state");
  StateSlots slots(path);
  auto loaded = slots.Load();
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_TRUE((*loaded)->legacy);
  EXPECT_EQ((*loaded)->payload, "a bare single-record state");
  ASSERT_TRUE(slots.Write((*loaded)->payload).ok());
  EXPECT_EQ(slots.relayouts(), 1u);
  EXPECT_EQ(ReadAll(path).substr(0, 8), "SCTSEAB1");
  EXPECT_EQ(Loaded(path), "a bare single-record state");
}

TEST(StateSlotsTest, ARecordLargerThanItsHalfLaysTheFileOutAgain) {
  const std::string path = TmpPath("slots_grow");
  StateSlots slots(path);
  ASSERT_TRUE(slots.Load().ok());
  ASSERT_TRUE(slots.Write("small").ok());
  const size_t small_file = ReadAll(path).size();
  const std::string big(3 * small_file, 'b');
  ASSERT_TRUE(slots.Write(big).ok());
  EXPECT_EQ(slots.relayouts(), 2u);
  EXPECT_GE(ReadAll(path).size(), 2 * (big.size() + StateSlots::kHeaderSize));
  EXPECT_EQ(Loaded(path), big);
  // Shorter again: written in place, the longer record's tail zeroed.
  ASSERT_TRUE(slots.Write("short").ok());
  ASSERT_TRUE(slots.Write("tiny").ok());
  EXPECT_EQ(slots.relayouts(), 2u);
  EXPECT_EQ(Loaded(path), "tiny");
  EXPECT_EQ(ReadAll(path).find(std::string(64, 'b')), std::string::npos);
}

TEST(StateSlotsTest, AFileThatWentAwayIsWrittenAnew) {
  const std::string path = TmpPath("slots_gone");
  StateSlots slots(path);
  ASSERT_TRUE(slots.Load().ok());
  ASSERT_TRUE(slots.Write("1").ok());
  std::remove(path.c_str());
  ASSERT_TRUE(slots.Write("2").ok());
  EXPECT_EQ(Loaded(path), "2");
}

}  // namespace
}  // namespace sct::device
