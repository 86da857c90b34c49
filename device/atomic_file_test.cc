#include "device/atomic_file.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "common/errors.h"
#include "gtest/gtest.h"

namespace sct::device {
namespace {

std::string TmpPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

TEST(AtomicFileTest, WritesReadsAndReplacesWithMode0600) {
  const std::string path = TmpPath("atomic_state");
  ASSERT_TRUE(WriteFileAtomically(path, std::string("first\0x", 7)).ok());
  auto read = ReadWholeFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, std::string("first\0x", 7));
  ASSERT_TRUE(WriteFileAtomically(path, "second").ok());
  EXPECT_EQ(*ReadWholeFile(path), "second");
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
}

TEST(AtomicFileTest, LeavesNoTemporaryFilesBehind) {
  const std::string dir = TmpPath("atomic_dir");
  ::mkdir(dir.c_str(), 0700);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(WriteFileAtomically(dir + "/s", "x").ok());
  DIR* d = ::opendir(dir.c_str());
  ASSERT_NE(d, nullptr);
  int entries = 0;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") ++entries;
  }
  ::closedir(d);
  EXPECT_EQ(entries, 1);
}

TEST(AtomicFileTest, MissingFileIsNotFound) {
  auto read = ReadWholeFile(TmpPath("does_not_exist"));
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(read.status()), "state_file_missing");
}

TEST(AtomicFileTest, UnwritableDirectoryIsAnError) {
  absl::Status st = WriteFileAtomically("/nonexistent-dir/state", "x");
  EXPECT_EQ(st.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ReasonOf(st), "state_file_write_failed");
  EXPECT_NE(st.message().find("/nonexistent-dir"), absl::string_view::npos);
}

}  // namespace
}  // namespace sct::device
