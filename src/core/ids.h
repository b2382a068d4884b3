// Identifiers and clocks shared by all components.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tandem {

// Returns a new random identifier: prefix + "_" + 20 lowercase base32
// characters (100 bits from the OS random source), e.g. "d_k3x9...".
std::string new_id(std::string_view prefix);

// Returns `count` random bytes from the OS random source, hex-encoded.
std::string random_hex(std::size_t count);

// Milliseconds since the Unix epoch, from the system clock.
std::int64_t now_unix_ms();

// Formats milliseconds since the epoch as RFC 3339 UTC with milliseconds,
// e.g. "2026-12-04T19:42:48.123Z".
std::string format_rfc3339(std::int64_t unix_ms);

}  // namespace tandem
