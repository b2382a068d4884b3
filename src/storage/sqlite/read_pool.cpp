#include "storage/sqlite/read_pool.h"

namespace tandem::storage::sqlite {

Result<std::unique_ptr<ReadPool>> ReadPool::open(const std::string& path, int size,
                                                 int busy_timeout_ms,
                                                 const std::function<Status(Connection&)>& setup) {
  auto pool = std::make_unique<ReadPool>();
  for (int i = 0; i < size; ++i) {
    auto connection = Connection::open(path, SQLITE_OPEN_READONLY, busy_timeout_ms);
    if (!connection) {
      return std::unexpected(connection.error());
    }
    Status ready = setup(**connection);
    if (!ready) {
      return std::unexpected(ready.error());
    }
    pool->idle_.push_back(std::move(*connection));
  }
  return pool;
}

Status ReadPool::run_cached(Connection& connection, std::string_view sql) {
  auto statement = connection.prepare(sql);
  if (!statement) {
    return std::unexpected(statement.error());
  }
  return statement->run();
}

ReadPool::Lease::Lease(ReadPool& pool) : pool_(pool) {
  std::unique_lock lock(pool_.mutex_);
  pool_.available_.wait(lock, [this] { return !pool_.idle_.empty(); });
  connection_ = std::move(pool_.idle_.back());
  pool_.idle_.pop_back();
}

ReadPool::Lease::~Lease() {
  {
    std::lock_guard lock(pool_.mutex_);
    pool_.idle_.push_back(std::move(connection_));
  }
  pool_.available_.notify_one();
}

}  // namespace tandem::storage::sqlite
