// A fixed pool of read-only connections. In WAL mode readers never block the
// writer nor each other; each read runs in its own snapshot transaction.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/error.h"
#include "storage/sqlite/connection.h"

namespace tandem::storage::sqlite {

class ReadPool {
 public:
  // Opens `size` read-only connections to `path` (which must exist) and runs
  // `setup` on each (for example to register SQL functions).
  static Result<std::unique_ptr<ReadPool>> open(const std::string& path, int size,
                                                int busy_timeout_ms,
                                                const std::function<Status(Connection&)>& setup);

  // Runs `read` on a leased connection inside BEGIN ... COMMIT, so every
  // statement in it reads the same snapshot. Waits while all connections are
  // leased. Thread-safe.
  template <class Function>
  auto with_snapshot(Function&& read) -> decltype(read(std::declval<Connection&>())) {
    Lease lease(*this);
    Status begun = run_cached(lease.connection(), "BEGIN");
    if (!begun) {
      return std::unexpected(begun.error());
    }
    auto result = read(lease.connection());
    (void)run_cached(lease.connection(), "COMMIT");
    return result;
  }

 private:
  // Runs `sql` through the connection's statement cache: every read opens and
  // ends a transaction, so parsing BEGIN and COMMIT each time would add up.
  static Status run_cached(Connection& connection, std::string_view sql);

  class Lease {
   public:
    explicit Lease(ReadPool& pool);
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Connection& connection() { return *connection_; }

   private:
    ReadPool& pool_;
    std::unique_ptr<Connection> connection_;
  };

  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mutex_
};

}  // namespace tandem::storage::sqlite
