#include "storage/sqlite/sqlite_store.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "storage/sqlite/migrations.h"
#include "storage/sqlite/rank.h"

namespace tandem::storage {
namespace {

using sqlite::Connection;

constexpr int kMaxReadConnections = 64;
constexpr int kMaxWriterCacheMib = 4096;

Status validate(const SqliteOptions& options) {
  if (options.path.empty()) {
    return fail(ErrorCode::invalid_request, "storage path is empty: set the database file");
  }
  if (options.read_connections < 1 || options.read_connections > kMaxReadConnections) {
    return fail(ErrorCode::invalid_request,
                fmt::format("read_connections {} is out of range: use 1 to {}",
                            options.read_connections, kMaxReadConnections));
  }
  if (options.writer_cache_mib < 1 || options.writer_cache_mib > kMaxWriterCacheMib) {
    return fail(ErrorCode::invalid_request,
                fmt::format("writer_cache_mib {} is out of range: use 1 to {} MiB",
                            options.writer_cache_mib, kMaxWriterCacheMib));
  }
  if (options.busy_timeout_ms < 0) {
    return fail(ErrorCode::invalid_request,
                fmt::format("busy_timeout_ms {} is negative: use 0 or more milliseconds",
                            options.busy_timeout_ms));
  }
  return {};
}

// WAL lets readers run beside the writer; synchronous=FULL makes every COMMIT
// fsync the WAL, so an acknowledged write survives power loss.
Status configure_writer(Connection& connection, const SqliteOptions& options) {
  auto mode = connection.prepare("PRAGMA journal_mode = WAL");
  if (!mode) {
    return std::unexpected(mode.error());
  }
  Result<bool> row = mode->step();
  if (!row) {
    return std::unexpected(row.error());
  }
  if (!*row || mode->text(0) != "wal") {
    return fail(ErrorCode::internal,
                fmt::format("cannot switch {} to WAL mode (got \"{}\"); check that the "
                            "directory is writable and not on a network file system",
                            connection.path(), *row ? mode->text(0) : std::string()));
  }
  Status configured = connection.exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
  if (!configured) {
    return configured;
  }

  // A group commit of many ops dirties pages all over the op log and its
  // indexes. A large page cache (SQLite's default is 2 MiB) keeps them in
  // memory, and a checkpoint every 10,000 WAL pages (default 1,000, about
  // 40 MiB here) writes each hot page back once per many commits. With 64 MiB
  // they raised bench_storage_ops from about 27,000 to 39,000 commits/s at 64
  // in flight and from 48,000 to 77,000 at 1,024 (see BENCHMARKS.md).
  const std::int64_t cache_kib = std::int64_t{options.writer_cache_mib} * 1024;
  return connection.exec(
      fmt::format("PRAGMA cache_size = -{}; PRAGMA wal_autocheckpoint = 10000;", cache_kib));
}

Result<std::string> read_database_id(Connection& connection) {
  auto query = connection.prepare("SELECT value FROM store_meta WHERE key = 'database_id'");
  if (!query) {
    return std::unexpected(query.error());
  }
  Result<bool> row = query->step();
  if (!row) {
    return std::unexpected(row.error());
  }
  if (!*row) {
    return fail(ErrorCode::internal,
                fmt::format("{} has no database id in store_meta; the file is damaged",
                            connection.path()));
  }
  return query->text(0);
}

Result<std::int64_t> query_integer(Connection& connection, std::string_view sql) {
  auto query = connection.prepare(sql);
  if (!query) {
    return std::unexpected(query.error());
  }
  Result<bool> row = query->step();
  if (!row) {
    return std::unexpected(row.error());
  }
  return *row ? query->integer(0) : 0;
}

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options) {
  Status valid = validate(options);
  if (!valid) {
    return std::unexpected(valid.error());
  }

  auto writer_connection = Connection::open(
      options.path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, options.busy_timeout_ms);
  if (!writer_connection) {
    spdlog::error("storage: {}", writer_connection.error().message);
    return std::unexpected(writer_connection.error());
  }
  Connection& connection = **writer_connection;

  // Migrate, then read the counters that the writer thread continues.
  Status prepared = configure_writer(connection, options);
  if (prepared) {
    prepared = sqlite::migrate(connection);
  }
  Result<std::int64_t> last_sequence = query_integer(
      connection,
      "SELECT max(coalesce(max(rev), 0), coalesce(max(search_rowid), 0)) FROM documents");
  Result<std::int64_t> last_updated_at =
      query_integer(connection, "SELECT coalesce(max(updated_at), 0) FROM documents");
  if (prepared && !last_sequence) {
    prepared = std::unexpected(last_sequence.error());
  }
  if (prepared && !last_updated_at) {
    prepared = std::unexpected(last_updated_at.error());
  }
  Result<std::string> database_id = read_database_id(connection);
  if (prepared && !database_id) {
    prepared = std::unexpected(database_id.error());
  }
  if (!prepared) {
    spdlog::error("storage: cannot open {}: {}", options.path, prepared.error().message);
    return std::unexpected(prepared.error());
  }

  auto readers =
      sqlite::ReadPool::open(options.path, options.read_connections, options.busy_timeout_ms,
                             &sqlite::register_rank_function);
  if (!readers) {
    spdlog::error("storage: {}", readers.error().message);
    return std::unexpected(readers.error());
  }

  sqlite::WriterOptions writer_options;
  writer_options.on_commit = options.on_commit;
  auto writer = std::make_unique<sqlite::Writer>(std::move(*writer_connection), writer_options);
  spdlog::info("storage: opened {} (schema version {}, {} read connections)", options.path,
               sqlite::latest_schema_version(), options.read_connections);
  return std::make_unique<sqlite::SqliteStore>(options, std::move(writer), std::move(*readers),
                                               *last_sequence, *last_updated_at,
                                               std::move(*database_id));
}

namespace sqlite {

SqliteStore::SqliteStore(const SqliteOptions& options, std::unique_ptr<Writer> writer,
                         std::unique_ptr<ReadPool> readers, std::int64_t last_sequence,
                         std::int64_t last_updated_at, std::string database_id)
    : path_(options.path),
      readers_(std::move(readers)),
      writer_(std::move(writer)),
      last_sequence_(last_sequence),
      last_updated_at_(last_updated_at),
      database_id_(std::move(database_id)) {}

SqliteStore::~SqliteStore() {
  // Readers close first so that the writer's connection is the last one and
  // checkpoints the WAL into the database file when it closes.
  readers_.reset();
  writer_->stop();
  spdlog::info("storage: closed {}", path_);
}

bool SqliteStore::ready() const {
  return writer_->healthy();
}

void SqliteStore::log_write_failure(const Status& status, std::string_view action) const {
  if (!status && status.error().code == ErrorCode::internal && writer_->healthy()) {
    spdlog::error("storage: {} failed: {}", action, status.error().message);
  }
}

std::int64_t SqliteStore::next_sequence() {
  return ++last_sequence_;
}

std::int64_t SqliteStore::monotonic_updated_at(std::int64_t requested) {
  last_updated_at_ = std::max(last_updated_at_, requested);
  return last_updated_at_;
}

}  // namespace sqlite
}  // namespace tandem::storage
