#include "relay/derived/sqlite_derived_store.h"

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>

#include "common/errors.h"
#include "gtest/gtest.h"
#include "relay/derived/derived_store_conformance.h"
#include "runtime/sqlite.h"

namespace sct::relay::derived {
namespace {

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir == nullptr ? "/tmp" : dir) + "/" + name;
}

std::string& LastPath() {
  static std::string path;
  return path;
}

std::unique_ptr<DerivedStore> OpenFresh() {
  static std::atomic<int> next{0};
  LastPath() = TempPath("derived-" + std::to_string(next++) + ".db");
  std::remove(LastPath().c_str());
  absl::StatusOr<std::unique_ptr<SqliteDerivedStore>> store = SqliteDerivedStore::Open(LastPath());
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

std::unique_ptr<DerivedStore> Reopen(std::unique_ptr<DerivedStore> current) {
  current.reset();
  absl::StatusOr<std::unique_ptr<SqliteDerivedStore>> store = SqliteDerivedStore::Open(LastPath());
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, DerivedStoreConformance,
                         testing::Values(DerivedStoreFactory{"sqlite", OpenFresh, Reopen}),
                         [](const auto& info) { return info.param.name; });

TEST(SqliteDerivedStoreTest, RefusesAnotherSchemaVersion) {
  const std::string path = TempPath("derived-version.db");
  std::remove(path.c_str());
  ASSERT_TRUE(SqliteDerivedStore::Open(path).ok());
  {
    absl::StatusOr<std::unique_ptr<SqliteDb>> db = SqliteDb::Open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("UPDATE schema_version SET version = 99").ok());
  }
  absl::Status s = SqliteDerivedStore::Open(path).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("schema version 99"), absl::string_view::npos) << s;
}

}  // namespace
}  // namespace sct::relay::derived
