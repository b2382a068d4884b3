#include "events/pipeline.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/ids.h"
#include "events/event.h"
#include "events/topic.h"

namespace tandem::events {
namespace {

constexpr int kRouteBatch = 500;  // outbox events per routing transaction

std::shared_ptr<Sink> sink_of(const Sinks& sinks, const std::string& kind) {
  if (kind == "inbox") return sinks.inbox;
  if (kind == "email") return sinks.email;
  if (kind == "push") return sinks.push;
  return nullptr;
}

}  // namespace

Pipeline::Pipeline(storage::Store& store, Options options, Sinks sinks, DeliveryObserver observer)
    : store_(store), options_(std::move(options)) {
  for (const QueueOptions& queue : options_.queues) {
    std::shared_ptr<Sink> sink = sink_of(sinks, queue.sink);
    if (!sink) {
      spdlog::info("events: queue {} is off because its {} sink is not configured", queue.name, queue.sink);
      continue;
    }
    queues_.push_back(std::make_unique<Queue>(store_, queue, std::move(sink), observer, options_.poll_interval));
  }
}

Pipeline::~Pipeline() {
  stop();
}

void Pipeline::start() {
  {
    std::lock_guard lock(mutex_);
    if (started_) return;
    started_ = true;
  }
  for (auto& queue : queues_) queue->start();
  router_ = std::thread([this] { route_loop(); });
}

void Pipeline::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (router_.joinable()) router_.join();
  for (auto& queue : queues_) queue->stop();
}

void Pipeline::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_one();
}

void Pipeline::wake_queues() {
  wake();
  for (auto& queue : queues_) queue->wake();
}

std::vector<QueueStatus> Pipeline::status() const {
  std::vector<QueueStatus> status;
  for (const auto& queue : queues_) status.push_back({queue->options().name, queue->options().sink, queue->counters()});
  return status;
}

std::vector<std::string> Pipeline::queue_names() const {
  std::vector<std::string> names;
  for (const auto& queue : queues_) names.push_back(queue->options().name);
  return names;
}

std::vector<std::string> Pipeline::route(const std::string& topic) const {
  std::vector<std::string> names;
  for (const auto& queue : queues_) {
    for (const std::string& pattern : queue->options().bindings) {
      if (topic_matches(pattern, topic)) {
        names.push_back(queue->options().name);
        break;
      }
    }
  }
  return names;
}

void Pipeline::route_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    woken_ = false;
    lock.unlock();
    bool more = route_batch();
    lock.lock();
    if (more) continue;
    wake_.wait_for(lock, options_.poll_interval, [this] { return stopping_ || woken_; });
  }
}

bool Pipeline::route_batch() {
  auto events = store_.list_outbox(kRouteBatch);
  if (!events) {
    spdlog::error("events: reading the outbox failed: {}", events.error().message);
    return false;
  }
  if (events->empty()) return false;

  std::vector<storage::RoutedEvent> routed;
  routed.reserve(events->size());
  std::vector<bool> touched(queues_.size(), false);
  for (storage::OutboxEvent& event : *events) {
    storage::RoutedEvent item;
    // An event a sink could never read must not circulate: dead-letter it now.
    if (auto payload = parse_payload(event.payload_json); !payload) {
      item.dead_reason = payload.error().message;
    } else {
      item.queues = route(event.topic);
      if (item.queues.empty()) item.dead_reason = fmt::format("no queue is bound to topic {}", event.topic);
    }
    if (item.dead_reason) {
      spdlog::warn("events: event {} cannot be routed, dead-lettering it: {}", event.id, *item.dead_reason);
    }
    for (std::size_t i = 0; i < queues_.size(); ++i) {
      for (const std::string& name : item.queues) touched[i] = touched[i] || name == queues_[i]->options().name;
    }
    item.event = std::move(event);
    routed.push_back(std::move(item));
  }

  if (auto stored = store_.route_events(routed, now_unix_ms()); !stored) {
    spdlog::error("events: routing {} events failed: {}", routed.size(), stored.error().message);
    return false;
  }
  for (std::size_t i = 0; i < queues_.size(); ++i) {
    if (touched[i]) queues_[i]->wake();
  }
  return static_cast<int>(routed.size()) == kRouteBatch;
}

}  // namespace tandem::events
