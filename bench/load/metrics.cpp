#include "metrics.h"

#include <algorithm>

namespace tandem::load {

namespace {
constexpr std::size_t kMaxSamples = 20'000'000;  // per kind, about 160 MB at most
}

void Metrics::record(Kind kind, std::int64_t at_us, std::int64_t latency_us) {
  std::lock_guard lock(mutex_);
  auto& samples = samples_[static_cast<int>(kind)];
  if (samples.size() >= kMaxSamples) return;
  samples.push_back({static_cast<std::uint32_t>(at_us / 1000),
                     static_cast<std::uint32_t>(std::clamp<std::int64_t>(latency_us, 0, UINT32_MAX))});
}

void Metrics::error(const std::string& kind, std::int64_t count) {
  std::lock_guard lock(mutex_);
  errors_[kind] += count;
}

void Metrics::event(const std::string& kind, std::int64_t count) {
  std::lock_guard lock(mutex_);
  events_[kind] += count;
}

void Metrics::tick(const Tick& t) {
  std::lock_guard lock(mutex_);
  ticks_.push_back(t);
}

void Metrics::kill_at(std::int64_t at_us) {
  std::lock_guard lock(mutex_);
  kills_ms_.push_back(static_cast<std::uint32_t>(at_us / 1000));
}

std::vector<std::uint32_t> Metrics::sorted(Kind kind) const {
  std::lock_guard lock(mutex_);
  std::vector<std::uint32_t> out;
  auto from_ms = static_cast<std::uint32_t>(window_start_us_ / 1000);
  for (const Sample& s : samples_[static_cast<int>(kind)]) {
    if (s.at_ms >= from_ms) out.push_back(s.latency_us);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::map<std::string, std::int64_t> Metrics::errors() const {
  std::lock_guard lock(mutex_);
  return errors_;
}

std::map<std::string, std::int64_t> Metrics::events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

}  // namespace tandem::load
