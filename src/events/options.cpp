#include "events/options.h"

#include <set>

#include <fmt/format.h>

#include "events/topic.h"

namespace tandem::events {

std::vector<QueueOptions> default_queues() {
  std::vector<QueueOptions> queues;
  for (const char* name : {"inbox", "email", "push"}) {
    queues.push_back(QueueOptions{.name = name, .sink = name, .bindings = {"doc.mention.*", "doc.assign.*"}});
  }
  return queues;
}

Status validate(const Options& options) {
  std::set<std::string> names;
  for (const QueueOptions& queue : options.queues) {
    if (queue.name.empty() || !names.insert(queue.name).second) {
      return fail(ErrorCode::invalid_request,
                  fmt::format("invalid notification queue name '{}': names must be non-empty and unique", queue.name));
    }
    if (queue.sink != "inbox" && queue.sink != "email" && queue.sink != "push") {
      return fail(ErrorCode::invalid_request,
                  fmt::format("queue {}: unknown sink '{}': use inbox, email or push", queue.name, queue.sink));
    }
    if (queue.prefetch < 1 || queue.prefetch > 64) {
      return fail(ErrorCode::invalid_request,
                  fmt::format("queue {}: prefetch {} is out of range: use 1 to 64", queue.name, queue.prefetch));
    }
    if (queue.max_attempts < 1 || queue.max_attempts > 100) {
      return fail(ErrorCode::invalid_request, fmt::format("queue {}: max attempts {} is out of range: use 1 to 100",
                                                          queue.name, queue.max_attempts));
    }
    if (queue.backoff_base.count() < 1 || queue.backoff_max < queue.backoff_base) {
      return fail(ErrorCode::invalid_request,
                  fmt::format("queue {}: backoff base {} ms and max {} ms are invalid: use 1 <= base <= max",
                              queue.name, queue.backoff_base.count(), queue.backoff_max.count()));
    }
    for (const std::string& pattern : queue.bindings) {
      if (auto valid = validate_pattern(pattern); !valid) {
        return fail(ErrorCode::invalid_request, fmt::format("queue {}: {}", queue.name, valid.error().message));
      }
    }
  }
  return {};
}

}  // namespace tandem::events
