#pragma once
// A thin SQLite adapter: Database (one connection) and Statement (a prepared statement).
// sqlite3 types never leave sqlite.cc.
//
// Thread safety: a Database and its Statements must be used by one thread at a time; callers
// serialise with their own mutex (see store/catalog.h). Several processes may open the same file:
// WAL mode and a busy timeout make them cooperate.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "openhi/core/bytes.h"
#include "openhi/core/status.h"

namespace openhi::db {

class Statement {
 public:
  Statement(Statement&&) noexcept;
  Statement& operator=(Statement&&) noexcept;
  ~Statement();

  // Binds parameter `index` (1-based). Text and blobs are copied.
  Statement& Bind(int index, int64_t v);
  Statement& Bind(int index, double v);
  Statement& Bind(int index, std::string_view v);
  Statement& Bind(int index, const char* v) { return Bind(index, std::string_view(v)); }
  Statement& BindBlob(int index, ByteView v);
  Statement& BindNull(int index);
  Statement& Bind(int index, bool v) { return Bind(index, int64_t{v ? 1 : 0}); }
  Statement& Bind(int index, int v) { return Bind(index, int64_t{v}); }

  // Advances: true when a row is available, false when done. Errors (constraint violations map
  // to kAlreadyExists, busy to kUnavailable) are returned as Status.
  Result<bool> Step();
  // Steps to completion, for statements without result rows.
  Status Run();
  // Resets for re-execution with new bindings.
  void Reset();

  int64_t Int(int col) const;
  double Double(int col) const;
  std::string Text(int col) const;
  Bytes Blob(int col) const;
  bool IsNull(int col) const;

 private:
  friend class Database;
  struct Impl;
  explicit Statement(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class Database {
 public:
  // Opens (creating) a database file in WAL mode with synchronous=FULL and foreign keys on.
  static Result<std::unique_ptr<Database>> Open(const std::filesystem::path& path);
  ~Database();

  Status Exec(std::string_view sql);  // one or more statements without parameters
  Result<Statement> Prepare(std::string_view sql);
  int64_t LastInsertRowId() const;
  int Changes() const;  // rows changed by the last statement

 private:
  struct Impl;
  explicit Database(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// RAII transaction: BEGIN IMMEDIATE on construction, ROLLBACK on destruction unless Commit()
// succeeded. Check begin_status() before using it.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  const Status& begin_status() const { return begin_; }
  Status Commit();

 private:
  Database& db_;
  Status begin_;
  bool done_ = false;
};

}  // namespace openhi::db
