#include "events/backoff.h"

#include <algorithm>
#include <random>

namespace tandem::events {

std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base, std::chrono::milliseconds max,
                                        double jitter) {
  const std::int64_t limit = std::max<std::int64_t>(0, max.count());
  std::int64_t nominal = std::max<std::int64_t>(0, base.count());
  // Doubling stops at the cap, so large attempt numbers cannot overflow.
  for (int i = 1; i < attempt && nominal < limit; ++i) nominal *= 2;
  nominal = std::min(nominal, limit);

  const double clamped = std::clamp(jitter, 0.0, 1.0);
  const std::int64_t half = nominal / 2;
  return std::chrono::milliseconds(half + static_cast<std::int64_t>(static_cast<double>(nominal - half) * clamped));
}

double random_jitter() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
}

}  // namespace tandem::events
