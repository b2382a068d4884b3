// Process metrics rendered in the Prometheus text format (version 0.0.4).
// Thread-safe: all methods may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace tandem::http {

// A cumulative histogram with fixed bucket bounds in seconds.
class Histogram {
 public:
  static constexpr std::array<double, 13> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                     0.1,    0.25,  0.5,    1.0,   2.5,  5.0};
  void observe(double seconds);
  // Appends the _bucket, _sum and _count lines; `labels` is "" or `key="v",`.
  void render(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  std::array<std::uint64_t, kBounds.size() + 1> counts_{};  // last: +Inf
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

// The state of one notification queue when /metrics is read.
struct QueueSample {
  std::string name;
  std::int64_t ready = 0;      // stored, due now
  std::int64_t delayed = 0;    // stored, waiting for a retry
  std::int64_t in_flight = 0;  // being delivered
  std::int64_t dead = 0;       // in the dead-letter store
  std::uint64_t delivered = 0;      // since start
  std::uint64_t skipped = 0;        // since start (no address, opted out)
  std::uint64_t retried = 0;        // failed attempts rescheduled, since start
  std::uint64_t dead_lettered = 0;  // since start
};

class Metrics {
 public:
  void record_request(std::string_view route, std::string_view method, unsigned status, double seconds);
  void record_db_commit(double seconds);
  void connection_opened() { open_connections_.fetch_add(1); }
  void connection_closed() { open_connections_.fetch_sub(1); }
  std::int64_t open_connections() const { return open_connections_.load(); }

  // Time from an event's commit to its acked delivery, per queue.
  void record_delivery(std::string_view queue, double seconds);
  // Sets the function that samples the queues at render time; it runs
  // outside the metrics lock and may read the store.
  void set_queue_source(std::function<std::vector<QueueSample>()> source);

  std::string render() const;

 private:
  void render_queues(std::string& out) const;

  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, unsigned>, std::uint64_t> requests_;
  std::map<std::string, Histogram> latency_by_route_;
  Histogram db_write_;
  std::map<std::string, Histogram> delivery_by_queue_;
  std::function<std::vector<QueueSample>()> queue_source_;  // set before serving
  std::atomic<std::int64_t> open_connections_{0};
};

}  // namespace tandem::http
