#include "runtime/files.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "common/errors.h"
#include "gtest/gtest.h"

namespace sct {
namespace {

std::string TmpPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

int EntriesIn(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  EXPECT_NE(d, nullptr) << dir;
  if (d == nullptr) return -1;
  int entries = 0;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") ++entries;
  }
  ::closedir(d);
  return entries;
}

TEST(AtomicFileTest, WritesReadsAndReplacesWithMode0600) {
  const std::string path = TmpPath("atomic_state");
  ASSERT_TRUE(WriteFileAtomically(path, std::string("first\0x", 7), 0600).ok());
  auto read = ReadWholeFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, std::string("first\0x", 7));
  ASSERT_TRUE(WriteFileAtomically(path, "second", 0600).ok());
  EXPECT_EQ(*ReadWholeFile(path), "second");
  EXPECT_EQ(ModeOf(path), 0600u);
}

TEST(AtomicFileTest, SetsTheGivenModeExactly) {
  const std::string path = TmpPath("atomic_public");
  ASSERT_TRUE(WriteFileAtomically(path, "cert", 0644).ok());
  EXPECT_EQ(ModeOf(path), 0644u);
  // Replacing a wider file with a secret narrows it.
  ASSERT_TRUE(WriteFileAtomically(path, "key", 0600).ok());
  EXPECT_EQ(ModeOf(path), 0600u);
}

TEST(AtomicFileTest, LeavesNoTemporaryFilesBehind) {
  const std::string dir = TmpPath("atomic_dir");
  ::mkdir(dir.c_str(), 0700);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(WriteFileAtomically(dir + "/s", "x", 0600).ok());
  EXPECT_EQ(EntriesIn(dir), 1);
}

TEST(AtomicFileTest, MissingFileIsNotFound) {
  auto read = ReadWholeFile(TmpPath("does_not_exist"));
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(read.status()), "file_missing");
  EXPECT_NE(read.status().message().find("No such file"), absl::string_view::npos);
}

TEST(AtomicFileTest, UnwritableDirectoryIsAnError) {
  absl::Status st = WriteFileAtomically("/nonexistent-dir/state", "x", 0600);
  EXPECT_EQ(st.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ReasonOf(st), "file_write_failed");
  EXPECT_NE(st.message().find("/nonexistent-dir"), absl::string_view::npos);
}

TEST(AtomicFileTest, EmptyPathIsInvalid) {
  EXPECT_EQ(ReasonOf(WriteFileAtomically("", "x", 0600)), "invalid_field");
  EXPECT_EQ(ReasonOf(WriteNewFile("", "x", 0600)), "invalid_field");
}

TEST(ReadFileIfExistsTest, MissingIsNulloptAndPresentIsTheContents) {
  auto missing = ReadFileIfExists(TmpPath("if_exists_missing"));
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_FALSE(missing->has_value());

  const std::string path = TmpPath("if_exists_present");
  ASSERT_TRUE(WriteFileAtomically(path, "", 0600).ok());
  auto empty = ReadFileIfExists(path);
  ASSERT_TRUE(empty.ok()) << empty.status();
  ASSERT_TRUE(empty->has_value());
  EXPECT_EQ(**empty, "");
}

TEST(ReadFileIfExistsTest, AFileLargerThanTheBoundIsRefused) {
  const std::string path = TmpPath("bounded");
  ASSERT_TRUE(WriteFileAtomically(path, std::string(20000, 'x'), 0600).ok());
  EXPECT_EQ(ReadWholeFile(path, 20000)->size(), 20000u);
  absl::StatusOr<std::string> big = ReadWholeFile(path, 19999);
  EXPECT_EQ(big.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(big.status()), "file_too_large");
  EXPECT_NE(big.status().message().find("more than 19999 bytes"), std::string::npos)
      << big.status();
}

TEST(ReadFileIfExistsTest, DirectoryIsAFailedPrecondition) {
  const std::string dir = TmpPath("if_exists_dir");
  ::mkdir(dir.c_str(), 0700);
  auto read = ReadFileIfExists(dir);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(read.status()), "file_is_directory");
  EXPECT_EQ(ReadWholeFile(dir).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(WriteNewFileTest, CreatesOnceWithTheGivenMode) {
  const std::string path = TmpPath("new_file_key");
  ASSERT_TRUE(WriteNewFile(path, "secret", 0600).ok());
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(*ReadWholeFile(path), "secret");

  absl::Status again = WriteNewFile(path, "other", 0600);
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(again), "file_exists");
  EXPECT_EQ(*ReadWholeFile(path), "secret");  // untouched

  const std::string cert = TmpPath("new_file_cert");
  ASSERT_TRUE(WriteNewFile(cert, "public", 0644).ok());
  EXPECT_EQ(ModeOf(cert), 0644u);
}

TEST(WriteNewFileTest, MissingDirectoryIsAnError) {
  absl::Status st = WriteNewFile("/nonexistent-dir/key", "x", 0600);
  EXPECT_EQ(st.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ReasonOf(st), "file_write_failed");
  EXPECT_NE(st.message().find("/nonexistent-dir/key"), absl::string_view::npos);
}

}  // namespace
}  // namespace sct
