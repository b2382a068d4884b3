// One monotonic clock for every figure of a run: microseconds since start.
#pragma once

#include <chrono>
#include <cstdint>

namespace tandem::load {

using Clock = std::chrono::steady_clock;

inline const Clock::time_point& run_start() {
  static const Clock::time_point start = Clock::now();
  return start;
}

inline std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - run_start()).count();
}

}  // namespace tandem::load
