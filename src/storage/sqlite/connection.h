// A SQLite connection with a cache of prepared statements.
//
// Not thread-safe: one thread uses a Connection at a time (the writer thread
// owns the write connection; readers lease one from the ReadPool).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include <sqlite3.h>

#include "core/error.h"

namespace tandem::storage::sqlite {

class Connection;

// A cached prepared statement in use. Binding indexes start at 1, column
// indexes at 0. The destructor resets the statement and clears its bindings,
// so the cache can hand it out again.
class Statement {
 public:
  Statement(Connection& connection, sqlite3_stmt* statement);
  Statement(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t number);
  Statement& bind_null(int index);

  // Steps once: true when a row is available, false when done.
  Result<bool> step();
  // Steps to completion, for statements that return no rows.
  Status run();

  std::string text(int column) const;
  std::int64_t integer(int column) const;
  double real(int column) const;
  bool is_null(int column) const;

 private:
  Connection* connection_;
  sqlite3_stmt* statement_;
};

class Connection {
 public:
  // Opens `path` with the SQLITE_OPEN_* `flags`; applies the busy timeout.
  static Result<std::unique_ptr<Connection>> open(const std::string& path, int flags,
                                                  int busy_timeout_ms);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Returns the cached statement for `sql`, preparing it on first use.
  Result<Statement> prepare(std::string_view sql);

  // Runs SQL text without parameters (pragmas, BEGIN/COMMIT, migrations).
  Status exec(std::string_view sql);

  // Builds an `internal` error from the connection's last error and records
  // it; used by Statement too.
  Error fail_with(int rc, std::string_view what);

  // The last error code that means the database can no longer be trusted to
  // persist writes (I/O, full disk, corruption, read-only file), or SQLITE_OK.
  int fatal_error() const { return fatal_rc_; }
  void clear_fatal_error() { fatal_rc_ = SQLITE_OK; }

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  Connection(sqlite3* db, std::string path);

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
  int fatal_rc_ = SQLITE_OK;
};

// True for result codes after which writes cannot be trusted.
bool is_fatal_code(int rc);

}  // namespace tandem::storage::sqlite
