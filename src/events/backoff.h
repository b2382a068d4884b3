// Retry delays: exponential backoff with jitter.
#pragma once

#include <chrono>

namespace tandem::events {

// The delay before retry number `attempt` (1 after the first failure):
// base * 2^(attempt - 1), capped at `max`, of which the upper half is
// scaled by `jitter` (0 to 1, a uniform random draw). The result lies in
// [cap / 2, cap], so retries of many messages spread out but never come
// sooner than half the nominal delay.
std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base, std::chrono::milliseconds max,
                                        double jitter);

// A uniform random draw in [0, 1) from a thread-local generator.
double random_jitter();

}  // namespace tandem::events
