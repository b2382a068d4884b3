#include "storage/sqlite/writer.h"

#include <exception>

#include <pthread.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/deferred.h"

namespace tandem::storage::sqlite {

Writer::Writer(std::unique_ptr<Connection> connection, WriterOptions options)
    : connection_(std::move(connection)), options_(std::move(options)) {
  completer_ = std::thread([this] { complete_loop(); });
  thread_ = std::thread([this] { loop(); });
}

Writer::~Writer() {
  stop();
}

void Writer::submit(WriteFunction write, Completion done) {
  std::unique_lock lock(mutex_);
  has_space_.wait(lock, [this] { return stopping_ || queue_.size() < options_.max_queue; });
  if (stopping_) {
    lock.unlock();
    done(fail(ErrorCode::internal, "storage is closed; the write was not applied"));
    return;
  }
  queue_.push_back(Job{std::move(write), std::move(done)});
  lock.unlock();
  has_work_.notify_one();
}

std::future<Status> Writer::submit(WriteFunction write) {
  auto promise = std::make_shared<std::promise<Status>>();
  std::future<Status> future = promise->get_future();
  submit(std::move(write), [promise](const Status& status) { promise->set_value(status); });
  return future;
}

bool Writer::healthy() const {
  std::lock_guard lock(mutex_);
  return !sticky_.has_value();
}

void Writer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  has_work_.notify_all();
  has_space_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }

  // The writer has handed off its last batch; the completer drains the rest.
  {
    std::lock_guard lock(finished_mutex_);
    writer_stopped_ = true;
  }
  has_finished_.notify_all();
  if (completer_.joinable()) {
    completer_.join();
  }
}

void Writer::loop() {
  // Named so that `top -H` and perf show the single writer on its own.
  pthread_setname_np(pthread_self(), "tandem-writer");
  for (;;) {
    std::vector<Job> batch = take_batch();
    if (batch.empty()) {
      break;
    }
    run_batch(batch);
  }

  // Closing the last connection checkpoints the WAL into the main file.
  const std::string path = connection_->path();
  connection_.reset();
  spdlog::info("storage: writer for {} stopped", path);
}

std::vector<Writer::Job> Writer::take_batch() {
  std::unique_lock lock(mutex_);
  has_work_.wait(lock, [this] { return stopping_ || !queue_.empty(); });

  std::vector<Job> batch;
  const std::size_t count = std::min(queue_.size(), options_.max_batch);
  batch.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  lock.unlock();
  has_space_.notify_all();
  return batch;
}

void Writer::run_batch(std::vector<Job>& batch) {
  if (!healthy()) {
    abandon_batch(batch, sticky_error());
    return;
  }

  Status begun = connection_->exec("BEGIN IMMEDIATE");
  if (!begun) {
    if (connection_->fatal_error() != SQLITE_OK) {
      make_sticky(begun.error());
    }
    spdlog::error("storage: cannot start a write transaction: {}", begun.error().message);
    abandon_batch(batch, begun.error());
    return;
  }

  std::vector<Status> results(batch.size());
  Error abort_error;
  if (!run_jobs(batch, results, abort_error)) {
    (void)connection_->exec("ROLLBACK");
    make_sticky(abort_error);
    abandon_batch(batch, abort_error);
    return;
  }

  const auto started = std::chrono::steady_clock::now();
  Status committed = connection_->exec("COMMIT");
  if (!committed) {
    // The outcome of a failed COMMIT (and its fsync) is unknown: stop writing.
    (void)connection_->exec("ROLLBACK");
    make_sticky(committed.error());
    abandon_batch(batch, committed.error());
    return;
  }
  if (options_.on_commit) {
    options_.on_commit(std::chrono::steady_clock::now() - started, batch.size());
  }

  hand_off(std::move(batch), std::move(results));
}

bool Writer::run_jobs(std::vector<Job>& batch, std::vector<Status>& results,
                      Error& abort_error) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Status opened = run_statement("SAVEPOINT write");
    if (!opened) {
      abort_error = opened.error();
      return false;
    }

    results[i] = run_one(batch[i]);

    // After an I/O error SQLite may have rolled back the whole transaction;
    // either way nothing in this batch can be trusted any more.
    if (connection_->fatal_error() != SQLITE_OK || sqlite3_get_autocommit(connection_->handle())) {
      abort_error = results[i] ? Error{ErrorCode::internal,
                                       "the write transaction ended unexpectedly", std::nullopt}
                               : results[i].error();
      return false;
    }

    Status closed = results[i] ? run_statement("RELEASE write")
                               : run_statement("ROLLBACK TO write");
    if (closed && !results[i]) {
      closed = run_statement("RELEASE write");
    }
    if (!closed) {
      abort_error = closed.error();
      return false;
    }
  }
  return true;
}

Status Writer::run_statement(std::string_view sql) {
  // Cached statements: these run twice per write, so parsing them each time
  // would show at high write rates.
  auto statement = connection_->prepare(sql);
  if (!statement) {
    return std::unexpected(statement.error());
  }
  return statement->run();
}

Status Writer::run_one(Job& job) {
  // Write functions return errors as values; a stray exception (for example
  // std::bad_alloc) must still not escape the writer thread.
  try {
    return job.write(*connection_);
  } catch (const std::exception& error) {
    spdlog::error("storage: a write threw an exception: {}", error.what());
    return fail(ErrorCode::internal, fmt::format("write failed: {}", error.what()));
  }
}

void Writer::abandon_batch(std::vector<Job>& batch, const Error& error) {
  std::vector<Status> results(batch.size(), Status(std::unexpected(error)));
  hand_off(std::move(batch), std::move(results));
}

void Writer::hand_off(std::vector<Job> jobs, std::vector<Status> results) {
  std::unique_lock lock(finished_mutex_);
  finished_space_.wait(lock, [this] { return finished_.size() < kMaxFinishedBatches; });
  finished_.push_back(Finished{std::move(jobs), std::move(results)});
  lock.unlock();
  has_finished_.notify_one();
}

void Writer::complete_loop() {
  pthread_setname_np(pthread_self(), "tandem-complete");
  for (;;) {
    std::unique_lock lock(finished_mutex_);
    has_finished_.wait(lock, [this] { return writer_stopped_ || !finished_.empty(); });
    if (finished_.empty()) {
      return;  // the writer stopped and everything is completed
    }
    Finished batch = std::move(finished_.front());
    finished_.pop_front();
    lock.unlock();
    finished_space_.notify_one();

    // Completions publish; one scope lets each connection send what the
    // whole group commit produced for it in one write.
    core::DeferredScope one_write_per_connection;
    for (std::size_t i = 0; i < batch.jobs.size(); ++i) {
      complete(batch.jobs[i], batch.results[i]);
    }
  }
}

void Writer::make_sticky(const Error& error) {
  {
    std::lock_guard lock(mutex_);
    if (sticky_) {
      return;
    }
    sticky_ = Error{ErrorCode::internal,
                    "storage rejects writes after an earlier failure (" + error.message +
                        "); fix the cause and restart the server",
                    std::nullopt};
  }
  spdlog::critical("storage: writes to {} disabled after a failure: {}", connection_->path(),
                   error.message);
}

Error Writer::sticky_error() const {
  std::lock_guard lock(mutex_);
  return sticky_.value_or(Error{ErrorCode::internal, "storage failed", std::nullopt});
}

void Writer::complete(Job& job, const Status& status) {
  try {
    job.done(status);
  } catch (const std::exception& error) {
    spdlog::error("storage: a write completion threw an exception: {}", error.what());
  }
}

}  // namespace tandem::storage::sqlite
