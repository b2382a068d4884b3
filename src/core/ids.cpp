#include "core/ids.h"

#include <chrono>
#include <ctime>
#include <random>

#include <fmt/format.h>

namespace tandem {
namespace {

// std::random_device reads the OS entropy source (getrandom) on Linux/glibc.
std::random_device& entropy() {
  thread_local std::random_device device;
  return device;
}

}  // namespace

std::string new_id(std::string_view prefix) {
  static constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  std::string id(prefix);
  id += '_';
  for (int i = 0; i < 20; ++i) {
    id += alphabet[entropy()() % alphabet.size()];
  }
  return id;
}

std::string random_hex(std::size_t count) {
  std::string hex;
  hex.reserve(count * 2);
  for (std::size_t i = 0; i < count; ++i) {
    hex += fmt::format("{:02x}", entropy()() & 0xffu);
  }
  return hex;
}

std::int64_t now_unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string format_rfc3339(std::int64_t unix_ms) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     unix_ms % 1000);
}

}  // namespace tandem
