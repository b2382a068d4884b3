// One durable queue: a dispatcher thread that takes due messages from the
// store, and `prefetch` worker threads that deliver them to the sink.
//
// The store is the queue: a message stays in queue_messages until it is
// acked, so anything in flight when the process dies is delivered again on
// the next start (at least once). Messages in flight are kept in memory only
// and excluded from the next fetch. After a failed attempt the message is
// rescheduled with exponential backoff and jitter; after max_attempts it
// moves to the dead-letter store. A payload that does not parse is
// dead-lettered at once, without retries.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "events/options.h"
#include "events/sink.h"
#include "storage/store.h"

namespace tandem::events {

// Counters since start; the stored counts come from Store::queue_depth.
struct QueueCounters {
  std::uint64_t delivered = 0;
  std::uint64_t skipped = 0;
  std::uint64_t retried = 0;
  std::uint64_t dead_lettered = 0;
  std::int64_t in_flight = 0;
};

// Called after each acked delivery with the time from the event's commit.
using DeliveryObserver = std::function<void(const std::string& queue, double seconds)>;

class Queue {
 public:
  Queue(storage::Store& store, QueueOptions options, std::shared_ptr<Sink> sink, DeliveryObserver observer,
        std::chrono::milliseconds poll_interval);
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;
  ~Queue();

  void start();
  // Lets deliveries in flight finish (bounded by the sink's timeouts), then
  // joins the threads. Unfinished messages stay stored. Idempotent.
  void stop();
  // Looks for due messages now (after routing or a redrive). Thread-safe.
  void wake();

  const QueueOptions& options() const { return options_; }
  QueueCounters counters() const;

 private:
  void dispatch_loop();
  void worker_loop();
  // Fetches due messages into `pending_`; returns when the next one is due
  // (or a poll interval from now).
  std::chrono::steady_clock::time_point fetch(std::unique_lock<std::mutex>& lock);
  void deliver(const storage::QueuedMessage& message);
  void handle_failure(const storage::QueuedMessage& message, const std::string& error);

  storage::Store& store_;
  QueueOptions options_;
  std::shared_ptr<Sink> sink_;
  DeliveryObserver observer_;
  std::chrono::milliseconds poll_interval_;

  mutable std::mutex mutex_;
  std::condition_variable dispatcher_wake_;
  std::condition_variable worker_wake_;
  std::deque<storage::QueuedMessage> pending_;  // guarded by mutex_; fetched, not yet taken by a worker
  std::set<std::int64_t> in_flight_;            // guarded by mutex_; pending or being delivered
  bool woken_ = false;                          // guarded by mutex_
  bool stopping_ = false;                       // guarded by mutex_

  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> skipped_{0};
  std::atomic<std::uint64_t> retried_{0};
  std::atomic<std::uint64_t> dead_lettered_{0};
  std::atomic<std::int64_t> last_retry_log_ms_{0};  // unix milliseconds of the last retry log line

  std::thread dispatcher_;
  std::vector<std::thread> workers_;
};

}  // namespace tandem::events
