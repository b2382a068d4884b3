#include "storage/sqlite/connection.h"

#include <mutex>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace tandem::storage::sqlite {

bool is_fatal_code(int rc) {
  switch (rc & 0xff) {
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
      return true;
    default:
      return false;
  }
}

Statement::Statement(Connection& connection, sqlite3_stmt* statement)
    : connection_(&connection), statement_(statement) {}

Statement::Statement(Statement&& other) noexcept
    : connection_(other.connection_), statement_(other.statement_) {
  other.statement_ = nullptr;
}

Statement::~Statement() {
  if (statement_ != nullptr) {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
}

Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text64(statement_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                      SQLITE_UTF8);
  return *this;
}

Statement& Statement::bind(int index, std::int64_t number) {
  sqlite3_bind_int64(statement_, index, number);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(statement_, index);
  return *this;
}

Result<bool> Statement::step() {
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  return std::unexpected(connection_->fail_with(rc, sqlite3_sql(statement_)));
}

Status Statement::run() {
  for (;;) {
    Result<bool> row = step();
    if (!row) {
      return std::unexpected(row.error());
    }
    if (!*row) {
      return {};
    }
  }
}

std::string Statement::text(int column) const {
  const auto* data = sqlite3_column_text(statement_, column);
  const int size = sqlite3_column_bytes(statement_, column);
  if (data == nullptr) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
}

std::int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(statement_, column);
}

double Statement::real(int column) const {
  return sqlite3_column_double(statement_, column);
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

namespace {

// SQLite keeps allocation statistics behind one process-wide mutex, which
// every connection's malloc and free take. Tandem never reads them, and with
// readers and the writer on several threads that mutex was the most contended
// lock in the server, so the statistics are turned off before SQLite starts.
void configure_library_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    const int rc = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    if (rc != SQLITE_OK) {
      spdlog::debug("storage: SQLite was initialized already; its allocation statistics stay on");
    }
  });
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path, int flags,
                                                     int busy_timeout_ms) {
  configure_library_once();

  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = fmt::format("cannot open database {}: {}", path,
                                      db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close_v2(db);
    return fail(ErrorCode::internal, std::move(message));
  }
  sqlite3_busy_timeout(db, busy_timeout_ms);
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Connection>(new Connection(db, path));
}

Connection::Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

Connection::~Connection() {
  for (auto& [sql, statement] : cache_) {
    sqlite3_finalize(statement);
  }
  const int rc = sqlite3_close(db_);
  if (rc != SQLITE_OK) {
    spdlog::error("storage: closing {} failed: {}", path_, sqlite3_errstr(rc));
    sqlite3_close_v2(db_);
  }
}

Result<Statement> Connection::prepare(std::string_view sql) {
  auto found = cache_.find(std::string(sql));
  if (found != cache_.end()) {
    return Statement(*this, found->second);
  }

  sqlite3_stmt* statement = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
  if (rc != SQLITE_OK) {
    return std::unexpected(fail_with(rc, sql));
  }
  cache_.emplace(std::string(sql), statement);
  return Statement(*this, statement);
}

Status Connection::exec(std::string_view sql) {
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    return std::unexpected(fail_with(rc, sql));
  }
  return {};
}

Error Connection::fail_with(int rc, std::string_view what) {
  if (is_fatal_code(rc)) {
    fatal_rc_ = rc;
  }
  std::string_view statement = what.substr(0, 120);
  return Error{ErrorCode::internal,
               fmt::format("database {}: {} (code {}) in: {}", path_, sqlite3_errmsg(db_), rc,
                           statement),
               std::nullopt};
}

}  // namespace tandem::storage::sqlite
