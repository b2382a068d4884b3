#include "events/queue.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/ids.h"
#include "events/backoff.h"

namespace tandem::events {

Queue::Queue(storage::Store& store, QueueOptions options, std::shared_ptr<Sink> sink, DeliveryObserver observer,
             std::chrono::milliseconds poll_interval)
    : store_(store),
      options_(std::move(options)),
      sink_(std::move(sink)),
      observer_(std::move(observer)),
      poll_interval_(poll_interval) {}

Queue::~Queue() {
  stop();
}

void Queue::start() {
  dispatcher_ = std::thread([this] { dispatch_loop(); });
  for (int i = 0; i < options_.prefetch; ++i) workers_.emplace_back([this] { worker_loop(); });
  spdlog::info("events: queue {} started (sink {}, prefetch {}, max attempts {}, bindings {})", options_.name,
               options_.sink, options_.prefetch, options_.max_attempts, fmt::join(options_.bindings, " "));
}

void Queue::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  dispatcher_wake_.notify_all();
  worker_wake_.notify_all();
  if (dispatcher_.joinable()) dispatcher_.join();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  spdlog::info("events: queue {} stopped", options_.name);
}

void Queue::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  dispatcher_wake_.notify_one();
}

QueueCounters Queue::counters() const {
  QueueCounters counters{delivered_.load(), skipped_.load(), retried_.load(), dead_lettered_.load(), 0};
  std::lock_guard lock(mutex_);
  counters.in_flight = static_cast<std::int64_t>(in_flight_.size());
  return counters;
}

void Queue::dispatch_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    woken_ = false;
    auto deadline = fetch(lock);
    dispatcher_wake_.wait_until(lock, deadline, [this] { return stopping_ || woken_; });
  }
}

std::chrono::steady_clock::time_point Queue::fetch(std::unique_lock<std::mutex>& lock) {
  const auto poll_deadline = std::chrono::steady_clock::now() + poll_interval_;
  const int free_slots = options_.prefetch - static_cast<int>(in_flight_.size());
  // With every slot busy, a finishing worker wakes the dispatcher.
  if (free_slots <= 0) return poll_deadline;

  std::vector<std::int64_t> exclude(in_flight_.begin(), in_flight_.end());
  lock.unlock();
  const std::int64_t now = now_unix_ms();
  auto due = store_.list_due(options_.name, now, free_slots, exclude);
  std::optional<std::int64_t> next;
  if (due && static_cast<int>(due->size()) < free_slots) {
    auto found = store_.next_due(options_.name);
    if (found) next = *found;
  }
  lock.lock();

  if (!due) {
    spdlog::error("events: queue {}: reading due messages failed: {}", options_.name, due.error().message);
    return poll_deadline;
  }
  for (storage::QueuedMessage& message : *due) {
    if (!in_flight_.insert(message.id).second) continue;
    pending_.push_back(std::move(message));
  }
  if (!pending_.empty()) worker_wake_.notify_all();
  if (static_cast<int>(due->size()) == free_slots) return std::chrono::steady_clock::now();

  // Sleep until the earliest retry is due, if that comes before the poll.
  if (next && *next > now) {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(*next - now);
    return std::min(until, poll_deadline);
  }
  return poll_deadline;
}

void Queue::worker_loop() {
  for (;;) {
    storage::QueuedMessage message;
    {
      std::unique_lock lock(mutex_);
      worker_wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
      if (stopping_) {
        // Messages not yet started stay stored and are fetched after a restart.
        for (const auto& left : pending_) in_flight_.erase(left.id);
        pending_.clear();
        return;
      }
      message = std::move(pending_.front());
      pending_.pop_front();
    }

    deliver(message);

    {
      std::lock_guard lock(mutex_);
      in_flight_.erase(message.id);
      woken_ = true;
    }
    dispatcher_wake_.notify_one();
  }
}

void Queue::deliver(const storage::QueuedMessage& message) {
  auto payload = parse_payload(message.event.payload_json);
  if (!payload) {
    // A payload that does not parse never will: no retries.
    spdlog::error("events: queue {}: message {} (event {}) is unreadable, dead-lettering it: {}", options_.name,
                  message.id, message.event.id, payload.error().message);
    if (store_.dead_letter_message(message.id, payload.error().message, false, now_unix_ms())) ++dead_lettered_;
    return;
  }

  Outcome outcome;
  try {
    outcome = sink_->deliver(message, *payload);
  } catch (const std::exception& error) {
    outcome = Outcome::fail(fmt::format("sink threw an exception: {}", error.what()));
  }

  switch (outcome.kind) {
    case Outcome::Kind::delivered:
    case Outcome::Kind::skipped: {
      if (Status acked = outcome.acked ? Status{} : store_.ack_message(message.id); !acked) {
        spdlog::error("events: queue {}: acking message {} failed (it will be delivered again): {}", options_.name,
                      message.id, acked.error().message);
        return;
      }
      if (outcome.kind == Outcome::Kind::skipped) {
        ++skipped_;
        spdlog::debug("events: queue {}: skipped event {}: {}", options_.name, message.event.id, outcome.error);
        return;
      }
      ++delivered_;
      if (observer_) {
        double seconds = static_cast<double>(std::max<std::int64_t>(0, now_unix_ms() - message.event.created_at)) / 1000.0;
        observer_(options_.name, seconds);
      }
      return;
    }
    case Outcome::Kind::rejected:
      spdlog::warn("events: queue {}: event {} rejected, dead-lettering it: {}", options_.name, message.event.id,
                   outcome.error);
      if (store_.dead_letter_message(message.id, outcome.error, true, now_unix_ms())) ++dead_lettered_;
      return;
    case Outcome::Kind::failed:
      handle_failure(message, outcome.error);
      return;
  }
}

void Queue::handle_failure(const storage::QueuedMessage& message, const std::string& error) {
  const int attempts = message.attempts + 1;
  const std::int64_t now = now_unix_ms();
  if (attempts >= options_.max_attempts) {
    spdlog::warn("events: queue {}: event {} failed attempt {} of {}, dead-lettering it: {}", options_.name,
                 message.event.id, attempts, options_.max_attempts, error);
    if (auto moved = store_.dead_letter_message(message.id, error, true, now); moved) {
      ++dead_lettered_;
    } else {
      spdlog::error("events: queue {}: dead-lettering message {} failed: {}", options_.name, message.id,
                    moved.error().message);
    }
    return;
  }

  auto delay = backoff_delay(attempts, options_.backoff_base, options_.backoff_max, random_jitter());
  // A broken sink fails every message: log one line a second per queue at most.
  std::int64_t last = last_retry_log_ms_.load();
  if (now - last >= 1000 && last_retry_log_ms_.compare_exchange_strong(last, now)) {
    spdlog::info("events: queue {}: event {} failed attempt {} of {}, retrying in {} ms: {} ({} retries so far)",
                 options_.name, message.event.id, attempts, options_.max_attempts, delay.count(), error,
                 retried_.load());
  }
  if (auto stored = store_.retry_message(message.id, now + delay.count(), error, now); stored) {
    ++retried_;
  } else {
    spdlog::error("events: queue {}: recording the failure of message {} failed: {}", options_.name, message.id,
                  stored.error().message);
  }
}

}  // namespace tandem::events
