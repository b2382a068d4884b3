// The single SQLite writer: one thread that owns the write connection and
// commits queued writes in groups.
//
// Design: callers submit a write function. The thread takes every pending
// write (up to WriterOptions::max_batch), opens one transaction, runs each
// write inside its own SAVEPOINT (a failing write rolls back only itself and
// gets its own error), commits once, and only then completes each write. With
// synchronous=FULL the COMMIT is one fsync of the WAL for the whole batch
// (group commit), so the commit rate is bounded by writes per batch, not by
// fsyncs per second.
//
// Errors are sticky: when a COMMIT fails, or any statement reports I/O
// failure, a full disk, corruption or a read-only file, the writer rolls back
// the batch, fails every write in it and rejects all later writes with
// `internal`; healthy() turns false. The process must be restarted once the
// cause is fixed, because the state of the file after a failed fsync is
// unknown.
//
// Entry point for new kinds of writes: build a WriteFunction that runs the
// statements on the Connection it is given (it runs on the writer thread, in
// a transaction that it must not commit or roll back itself), and either wait
// on the returned future or pass a completion callback. Completion callbacks
// run after the commit is durable on one completion thread, in submit order,
// while the writer already runs the next batch. They should be short, since
// a slow one delays every later completion.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "core/error.h"
#include "storage/sqlite/connection.h"

namespace tandem::storage::sqlite {

struct WriterOptions {
  std::size_t max_queue = 10000;  // pending writes; submit() blocks beyond this
  std::size_t max_batch = 1000;   // writes per transaction
  // Called on the writer thread after each successful commit with the time the
  // COMMIT took and the number of writes in the batch (for metrics).
  std::function<void(std::chrono::nanoseconds, std::size_t)> on_commit;
};

class Writer {
 public:
  using WriteFunction = std::function<Status(Connection&)>;
  using Completion = std::function<void(const Status&)>;

  // Starts the thread; the writer owns `connection` from now on.
  Writer(std::unique_ptr<Connection> connection, WriterOptions options);
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  // Calls stop().
  ~Writer();

  // Queues `write`; `done` receives its result once its batch has committed
  // (or failed). Blocks while the queue is full. Thread-safe.
  void submit(WriteFunction write, Completion done);

  // Queues `write` and returns a future of its result. Thread-safe.
  std::future<Status> submit(WriteFunction write);

  // Runs `write` and waits for its durable result, carrying a value out of it.
  template <class T>
  Result<T> run(std::function<Result<T>(Connection&)> write) {
    std::optional<Result<T>> value;
    Status status = submit([&](Connection& connection) -> Status {
                      value = write(connection);
                      if (!*value) {
                        return std::unexpected(value->error());
                      }
                      return {};
                    }).get();
    if (!status) {
      return std::unexpected(status.error());
    }
    return std::move(*value);
  }

  // False after a sticky storage error. Thread-safe.
  bool healthy() const;

  // Commits everything already queued, rejects later submits, stops the
  // thread and closes the connection. Idempotent; thread-safe.
  void stop();

 private:
  struct Job {
    WriteFunction write;
    Completion done;
  };

  void loop();
  std::vector<Job> take_batch();
  void run_batch(std::vector<Job>& batch);
  // Runs every job in its own savepoint; returns false when the batch must be
  // abandoned, with the reason in `abort_error`.
  bool run_jobs(std::vector<Job>& batch, std::vector<Status>& results, Error& abort_error);
  Status run_one(Job& job);
  Status run_statement(std::string_view sql);
  void abandon_batch(std::vector<Job>& batch, const Error& error);
  void make_sticky(const Error& error);
  Error sticky_error() const;
  static void complete(Job& job, const Status& status);
  // Queues a finished batch for the completion thread. Blocks while
  // kMaxFinishedBatches are waiting, so completions cannot fall far behind.
  void hand_off(std::vector<Job> jobs, std::vector<Status> results);
  void complete_loop();

  struct Finished {
    std::vector<Job> jobs;
    std::vector<Status> results;
  };
  static constexpr std::size_t kMaxFinishedBatches = 4;

  std::unique_ptr<Connection> connection_;  // used only by the thread
  WriterOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable has_work_;
  std::condition_variable has_space_;
  std::deque<Job> queue_;             // guarded by mutex_
  bool stopping_ = false;             // guarded by mutex_
  std::optional<Error> sticky_;       // guarded by mutex_
  std::thread thread_;

  std::mutex finished_mutex_;
  std::condition_variable has_finished_;
  std::condition_variable finished_space_;
  std::deque<Finished> finished_;  // guarded by finished_mutex_
  bool writer_stopped_ = false;    // guarded by finished_mutex_
  std::thread completer_;
};

}  // namespace tandem::storage::sqlite
