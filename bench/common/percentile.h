// Latency percentiles over samples in microseconds.
#pragma once

#include <cstdint>
#include <vector>

namespace tandem::bench {

// Returns the p-quantile (0..1) of `sorted` in milliseconds, 0 when empty.
inline double percentile_ms(const std::vector<std::uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1))] / 1000.0;
}

}  // namespace tandem::bench
