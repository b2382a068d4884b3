#include "http/metrics.h"

#include <fmt/format.h>

namespace tandem::http {

void Histogram::observe(double seconds) {
  std::size_t bucket = 0;
  while (bucket < kBounds.size() && seconds > kBounds[bucket]) ++bucket;
  ++counts_[bucket];
  sum_ += seconds;
  ++count_;
}

void Histogram::render(std::string& out, std::string_view name, std::string_view labels) const {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += counts_[i];
    out += fmt::format("{}_bucket{{{}le=\"{}\"}} {}\n", name, labels, kBounds[i], cumulative);
  }
  cumulative += counts_[kBounds.size()];
  out += fmt::format("{}_bucket{{{}le=\"+Inf\"}} {}\n", name, labels, cumulative);

  // `labels` ends with a comma for the bucket lines; sum and count drop it.
  std::string selector;
  if (!labels.empty()) {
    selector = fmt::format("{{{}}}", labels.substr(0, labels.size() - 1));
  }
  out += fmt::format("{}_sum{} {}\n", name, selector, sum_);
  out += fmt::format("{}_count{} {}\n", name, selector, count_);
}

void Metrics::record_request(std::string_view route, std::string_view method, unsigned status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{std::string(route), std::string(method), status}];
  latency_by_route_[std::string(route)].observe(seconds);
}

void Metrics::record_db_commit(double seconds) {
  std::lock_guard lock(mutex_);
  db_write_.observe(seconds);
}

void Metrics::record_delivery(std::string_view queue, double seconds) {
  std::lock_guard lock(mutex_);
  delivery_by_queue_[std::string(queue)].observe(seconds);
}

void Metrics::set_queue_source(std::function<std::vector<QueueSample>()> source) {
  std::lock_guard lock(mutex_);
  queue_source_ = std::move(source);
}

void Metrics::render_queues(std::string& out) const {
  std::function<std::vector<QueueSample>()> source;
  {
    std::lock_guard lock(mutex_);
    source = queue_source_;
  }
  if (!source) return;
  std::vector<QueueSample> samples = source();

  struct Series {
    const char* name;
    const char* type;
    const char* help;
    std::int64_t (*value)(const QueueSample&);
  };
  static const Series series[] = {
      {"tandem_queue_ready", "gauge", "Stored notification messages due for delivery.",
       [](const QueueSample& s) { return s.ready; }},
      {"tandem_queue_delayed", "gauge", "Stored notification messages waiting for a retry.",
       [](const QueueSample& s) { return s.delayed; }},
      {"tandem_queue_in_flight", "gauge", "Notification deliveries in progress.",
       [](const QueueSample& s) { return s.in_flight; }},
      {"tandem_queue_dead_letters", "gauge", "Messages in the dead-letter store.",
       [](const QueueSample& s) { return s.dead; }},
      {"tandem_queue_delivered_total", "counter", "Notifications delivered and acked since start.",
       [](const QueueSample& s) { return static_cast<std::int64_t>(s.delivered); }},
      {"tandem_queue_skipped_total", "counter", "Notifications acked without sending (no address or opted out).",
       [](const QueueSample& s) { return static_cast<std::int64_t>(s.skipped); }},
      {"tandem_queue_retried_total", "counter", "Failed delivery attempts scheduled for a retry since start.",
       [](const QueueSample& s) { return static_cast<std::int64_t>(s.retried); }},
      {"tandem_queue_dead_lettered_total", "counter", "Messages moved to the dead-letter store since start.",
       [](const QueueSample& s) { return static_cast<std::int64_t>(s.dead_lettered); }},
  };
  for (const Series& entry : series) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", entry.name, entry.help, entry.name, entry.type);
    for (const QueueSample& sample : samples) {
      out += fmt::format("{}{{queue=\"{}\"}} {}\n", entry.name, sample.name, entry.value(sample));
    }
  }

  std::lock_guard lock(mutex_);
  out += "# HELP tandem_queue_delivery_seconds Time from the commit of an event to its acked delivery.\n";
  out += "# TYPE tandem_queue_delivery_seconds histogram\n";
  for (const auto& [queue, histogram] : delivery_by_queue_) {
    histogram.render(out, "tandem_queue_delivery_seconds", fmt::format("queue=\"{}\",", queue));
  }
}

std::string Metrics::render() const {
  std::string out;
  render_queues(out);
  std::lock_guard lock(mutex_);

  out += "# HELP tandem_http_requests_total HTTP requests by route pattern, method and status.\n";
  out += "# TYPE tandem_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    const auto& [route, method, status] = key;
    out += fmt::format("tandem_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n", route,
                       method, status, count);
  }

  out += "# HELP tandem_http_request_duration_seconds Time from a parsed request to its response.\n";
  out += "# TYPE tandem_http_request_duration_seconds histogram\n";
  for (const auto& [route, histogram] : latency_by_route_) {
    histogram.render(out, "tandem_http_request_duration_seconds", fmt::format("route=\"{}\",", route));
  }

  out += "# HELP tandem_http_open_connections Open HTTP and WebSocket connections.\n";
  out += "# TYPE tandem_http_open_connections gauge\n";
  out += fmt::format("tandem_http_open_connections {}\n", open_connections_.load());

  out += "# HELP tandem_db_commit_duration_seconds Time of each group COMMIT (one fsync) in the storage writer.\n";
  out += "# TYPE tandem_db_commit_duration_seconds histogram\n";
  db_write_.render(out, "tandem_db_commit_duration_seconds", "");
  return out;
}

}  // namespace tandem::http
