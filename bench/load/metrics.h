// Measurements of a run: latency samples stamped with the moment they were
// taken (for percentiles over time), errors by kind, server and connection
// figures sampled every second, and the kill moments of chaos mode.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace tandem::load {

// loop_lag: how late a 20 ms timer of the tool's own event loop fired, the
// floor under every latency the loop measures.
enum class Kind { ack, broadcast, cursor, search, notify_push, notify_inbox, loop_lag };
inline constexpr std::array<const char*, 7> kKindNames = {"ack",          "broadcast",    "cursor",  "search",
                                                         "notify_push", "notify_inbox", "loop_lag"};

struct Sample {
  std::uint32_t at_ms = 0;       // when it was taken, since the run started
  std::uint32_t latency_us = 0;
};

// One per-second reading of the server process and the clients.
struct Tick {
  std::uint32_t at_ms = 0;
  double server_cpu = 0;  // fraction of one core over the last second
  long server_rss_kb = 0;
  double server_run_wait = 0;  // seconds its threads waited for a CPU, per second
  double tool_cpu = 0;         // this tool's CPU, fraction of one core
  double tool_run_wait = 0;    // seconds this tool's threads waited for a CPU, per second
  int connections = 0;    // clients connected and subscribed
  std::int64_t ops_acked = 0;
};

// Thread-safe: the HTTP workers record from their own threads.
class Metrics {
 public:
  void record(Kind kind, std::int64_t at_us, std::int64_t latency_us);
  void error(const std::string& kind, std::int64_t count = 1);
  // Counts a recovery step that is not an error (resubmission, recovered op).
  void event(const std::string& kind, std::int64_t count = 1);
  void tick(const Tick& t);
  void kill_at(std::int64_t at_us);
  void measure_from(std::int64_t at_us) { window_start_us_ = at_us; }

  // Samples of one kind taken at or after the measured window's start.
  std::vector<std::uint32_t> sorted(Kind kind) const;
  const std::vector<Sample>& samples(Kind kind) const { return samples_[static_cast<int>(kind)]; }
  std::map<std::string, std::int64_t> errors() const;
  std::map<std::string, std::int64_t> events() const;
  const std::vector<Tick>& ticks() const { return ticks_; }
  const std::vector<std::uint32_t>& kills_ms() const { return kills_ms_; }
  std::int64_t window_start_us() const { return window_start_us_; }

 private:
  mutable std::mutex mutex_;
  std::array<std::vector<Sample>, kKindNames.size()> samples_;
  std::map<std::string, std::int64_t> errors_;
  std::map<std::string, std::int64_t> events_;
  std::vector<Tick> ticks_;
  std::vector<std::uint32_t> kills_ms_;
  std::int64_t window_start_us_ = 0;
};

}  // namespace tandem::load
