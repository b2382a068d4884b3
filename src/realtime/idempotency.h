// Results of publications made with an idempotency key, kept for a while so
// that a retried publish returns the first result instead of publishing
// again. Centrifugo keeps them for 5 minutes, per channel and key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "realtime/types.h"

namespace tandem::realtime {

// Not synchronized: the engine holds its own lock around a lookup, the
// publish and the store, so two concurrent retries publish once.
class IdempotencyCache {
 public:
  // Entries live `ttl_ms`; beyond `max_entries` the oldest go first.
  IdempotencyCache(std::int64_t ttl_ms, std::size_t max_entries);

  // The stored result for `key` on `channel`, unless it expired.
  std::optional<StreamPosition> find(std::string_view channel, std::string_view key, std::int64_t now_ms);

  void store(std::string_view channel, std::string_view key, StreamPosition result, std::int64_t now_ms);

  std::size_t size() const { return results_.size(); }

 private:
  static std::string make_key(std::string_view channel, std::string_view key);
  void expire(std::int64_t now_ms);

  const std::int64_t ttl_ms_;
  const std::size_t max_entries_;
  std::unordered_map<std::string, StreamPosition> results_;
  std::deque<std::pair<std::int64_t, std::string>> order_;  // (stored at, key), oldest first
};

}  // namespace tandem::realtime
