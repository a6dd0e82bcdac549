#include "openhi/db/sqlite.h"

#include <sqlite3.h>

namespace openhi::db {
namespace {

Status SqliteStatus(sqlite3* db, int rc, std::string_view what) {
  std::string m = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT: return AlreadyExists(std::move(m));
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Unavailable(std::move(m));
    case SQLITE_FULL: return ResourceExhausted(std::move(m));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return DataLoss(std::move(m));
    default: return Internal(std::move(m));
  }
}

}  // namespace

struct Statement::Impl {
  sqlite3* db = nullptr;
  sqlite3_stmt* stmt = nullptr;
  ~Impl() { sqlite3_finalize(stmt); }
};

Statement::Statement(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Statement::Statement(Statement&&) noexcept = default;
Statement& Statement::operator=(Statement&&) noexcept = default;
Statement::~Statement() = default;

Statement& Statement::Bind(int i, int64_t v) {
  sqlite3_bind_int64(impl_->stmt, i, v);
  return *this;
}
Statement& Statement::Bind(int i, double v) {
  sqlite3_bind_double(impl_->stmt, i, v);
  return *this;
}
Statement& Statement::Bind(int i, std::string_view v) {
  sqlite3_bind_text(impl_->stmt, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::BindBlob(int i, ByteView v) {
  sqlite3_bind_blob(impl_->stmt, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::BindNull(int i) {
  sqlite3_bind_null(impl_->stmt, i);
  return *this;
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(impl_->stmt);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Status s = SqliteStatus(impl_->db, rc, "sqlite step");
  sqlite3_reset(impl_->stmt);
  return s;
}

Status Statement::Run() {
  while (true) {
    OPENHI_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

void Statement::Reset() {
  sqlite3_reset(impl_->stmt);
  sqlite3_clear_bindings(impl_->stmt);
}

int64_t Statement::Int(int c) const { return sqlite3_column_int64(impl_->stmt, c); }
double Statement::Double(int c) const { return sqlite3_column_double(impl_->stmt, c); }
std::string Statement::Text(int c) const {
  const unsigned char* t = sqlite3_column_text(impl_->stmt, c);
  int n = sqlite3_column_bytes(impl_->stmt, c);
  return t ? std::string(reinterpret_cast<const char*>(t), n) : std::string();
}
Bytes Statement::Blob(int c) const {
  const void* b = sqlite3_column_blob(impl_->stmt, c);
  int n = sqlite3_column_bytes(impl_->stmt, c);
  const auto* p = static_cast<const std::byte*>(b);
  return b ? Bytes(p, p + n) : Bytes();
}
bool Statement::IsNull(int c) const { return sqlite3_column_type(impl_->stmt, c) == SQLITE_NULL; }

struct Database::Impl {
  sqlite3* db = nullptr;
  ~Impl() { sqlite3_close_v2(db); }
};

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Database::~Database() = default;

Result<std::unique_ptr<Database>> Database::Open(const std::filesystem::path& path) {
  auto impl = std::make_unique<Impl>();
  int rc = sqlite3_open_v2(path.c_str(), &impl->db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(impl->db, rc, "open " + path.string());
  sqlite3_busy_timeout(impl->db, 10000);
  std::unique_ptr<Database> db(new Database(std::move(impl)));
  OPENHI_RETURN_IF_ERROR(db->Exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  return db;
}

Status Database::Exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(impl_->db, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    Status st = SqliteStatus(impl_->db, rc, "exec");
    sqlite3_free(err);
    return st;
  }
  return Status::Ok();
}

Result<Statement> Database::Prepare(std::string_view sql) {
  auto impl = std::make_unique<Statement::Impl>();
  impl->db = impl_->db;
  int rc = sqlite3_prepare_v2(impl_->db, sql.data(), static_cast<int>(sql.size()), &impl->stmt,
                              nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(impl_->db, rc, "prepare");
  return Statement(std::move(impl));
}

int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(impl_->db); }
int Database::Changes() const { return sqlite3_changes(impl_->db); }

Transaction::Transaction(Database& db) : db_(db), begin_(db.Exec("BEGIN IMMEDIATE")) {}

Transaction::~Transaction() {
  if (begin_.ok() && !done_) db_.Exec("ROLLBACK").IgnoreError();
}

Status Transaction::Commit() {
  OPENHI_RETURN_IF_ERROR(begin_);
  OPENHI_RETURN_IF_ERROR(db_.Exec("COMMIT"));
  done_ = true;
  return Status::Ok();
}

}  // namespace openhi::db
