#include "openhi/db/sqlite.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace openhi::db {
namespace {

std::filesystem::path TempDb() {
  auto p = std::filesystem::temp_directory_path() /
           ("openhi_db_test_" + std::to_string(::getpid()) + ".sqlite");
  std::filesystem::remove(p);
  return p;
}

TEST(Sqlite, TransactionsCommitAndRollBack) {
  auto path = TempDb();
  auto db = Database::Open(path);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)").ok());
  {
    Transaction tx(**db);
    auto ins = (*db)->Prepare("INSERT INTO t VALUES (?, ?)");
    ASSERT_TRUE(ins.ok());
    ins->Bind(1, "a").Bind(2, int64_t{1});
    ASSERT_TRUE(ins->Run().ok());
    ASSERT_TRUE(tx.Commit().ok());
  }
  {
    Transaction tx(**db);
    ASSERT_TRUE((*db)->Exec("INSERT INTO t VALUES ('b', 2)").ok());
    // no commit: rolled back
  }
  auto q = (*db)->Prepare("SELECT k, v FROM t ORDER BY k");
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->Text(0), "a");
  EXPECT_EQ(q->Int(1), 1);
  EXPECT_FALSE(*q->Step());
  std::filesystem::remove(path);
}

TEST(Sqlite, ConstraintViolationIsAlreadyExists) {
  auto path = TempDb();
  auto db = *Database::Open(path);
  ASSERT_TRUE(db->Exec("CREATE TABLE t (k TEXT PRIMARY KEY)").ok());
  ASSERT_TRUE(db->Exec("INSERT INTO t VALUES ('a')").ok());
  auto ins = *db->Prepare("INSERT INTO t VALUES ('a')");
  EXPECT_EQ(ins.Run().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(db->Prepare("SELEC nonsense").status().code(), StatusCode::kInternal);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace openhi::db
