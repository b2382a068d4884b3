// Readers of the load generator's subscribed sockets. Once a connection has
// subscribed through Beast, its socket moves to one of these, which parse the
// server's WebSocket frames in place and count each delivery with its latency.
// At 200,000 deliveries per second the generator's own cost per frame sets a
// floor under the latency it measures, hence two lean readers: io_uring
// (default) and epoll (fallback, or on request).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::bench {

// Microseconds since the generator started (steady clock).
std::int64_t now_us();

// Counters shared by the generator's phases. Single-threaded.
struct DeliveryStats {
  std::int64_t connected = 0;
  std::int64_t failed = 0;
  std::int64_t closed = 0;
  std::int64_t deliveries = 0;
  std::int64_t frames = 0;  // WebSocket messages received (each may hold several)
  std::int64_t published = 0;
  std::vector<std::uint32_t> latencies_us;    // bounded by kMaxLatencySamples
  std::vector<std::uint16_t> latency_second;  // second of receipt since publishing began, per sample
  std::int64_t publish_started_us = 0;
};

inline constexpr std::size_t kMaxLatencySamples = 50'000'000;

// Counts one received text message: each '\n'-separated line with a send
// time ("t") is a delivery. Returns true when a line was a server ping
// ("{}"), to which the caller must reply with a pong.
bool count_message(std::string_view text, DeliveryStats& stats, std::int64_t received_us);

// Reads subscribed sockets. Single-threaded: the generator's main loop calls
// poll() between turns of its io_context.
class SocketReader {
 public:
  virtual ~SocketReader() = default;

  // Takes ownership of a connected, subscribed socket with no unread bytes
  // buffered elsewhere.
  virtual void adopt(int fd) = 0;

  // Handles whatever has arrived, waiting at most `timeout_ms` for it.
  virtual void poll(int timeout_ms) = 0;

  // "io_uring" or "epoll", for the report.
  virtual std::string name() const = 0;
};

// Creates the reader that `kind` names ("uring" or "epoll"). When io_uring is
// requested but unavailable (not built in, or refused by the kernel), returns
// the epoll reader and sets `note` to why.
std::unique_ptr<SocketReader> make_socket_reader(const std::string& kind, DeliveryStats& stats, std::string& note);

}  // namespace tandem::bench
