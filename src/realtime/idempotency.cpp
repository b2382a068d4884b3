#include "realtime/idempotency.h"

namespace tandem::realtime {

IdempotencyCache::IdempotencyCache(std::int64_t ttl_ms, std::size_t max_entries)
    : ttl_ms_(ttl_ms), max_entries_(max_entries) {}

std::string IdempotencyCache::make_key(std::string_view channel, std::string_view key) {
  // A channel name is printable ASCII, so the NUL separator cannot be forged.
  std::string out;
  out.reserve(channel.size() + 1 + key.size());
  out.append(channel).push_back('\0');
  out.append(key);
  return out;
}

void IdempotencyCache::expire(std::int64_t now_ms) {
  while (!order_.empty() && (order_.front().first + ttl_ms_ <= now_ms || order_.size() > max_entries_)) {
    results_.erase(order_.front().second);
    order_.pop_front();
  }
}

std::optional<StreamPosition> IdempotencyCache::find(std::string_view channel, std::string_view key,
                                                     std::int64_t now_ms) {
  expire(now_ms);
  auto it = results_.find(make_key(channel, key));
  if (it == results_.end()) {
    return std::nullopt;
  }
  return it->second;
}

void IdempotencyCache::store(std::string_view channel, std::string_view key, StreamPosition result,
                             std::int64_t now_ms) {
  std::string full = make_key(channel, key);
  auto [it, inserted] = results_.insert_or_assign(full, std::move(result));
  (void)it;
  if (inserted) {
    order_.emplace_back(now_ms, std::move(full));
  }
  expire(now_ms);
}

}  // namespace tandem::realtime
