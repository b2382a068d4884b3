// Load generator for the real-time WebSocket endpoint: N Beast WebSocket
// clients speaking the Centrifugo JSON protocol, subscribed in groups of M per
// channel, while publications go out through the server HTTP API
// (/api/batch) at R per second. Prints deliveries per second, delivery
// latency (publish call to receipt) p50/p99/max, and, given the server's pid,
// its CPU use and resident memory per connection.
//
// Everything runs on one thread so that the other core stays with the server
// on a 2-core machine. Every phase is bounded in time. Connections connect and
// subscribe through Beast. Once subscribed, their sockets move to a lean
// reader (realtime/readers.h), because at 200,000 deliveries per second the
// generator's own cost per frame sets a floor under the latency it measures.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <CLI/CLI.hpp>

#include "common/proc_stats.h"
#include "realtime/readers.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using tandem::bench::ProcessSample;
using tandem::bench::sample_process;
using tandem::bench::DeliveryStats;
using tandem::bench::make_socket_reader;
using tandem::bench::now_us;
using tandem::bench::SocketReader;

namespace {

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8000;
  int connections = 1000;
  int channel_size = 100;        // subscribers per channel (M)
  int rate = 1000;               // publications per second over all channels (R)
  int duration_s = 10;           // publish phase, seconds
  int idle_s = 3;                // wait before measuring idle memory, seconds
  int payload_bytes = 64;        // filler per publication, bytes
  int connect_concurrency = 200; // handshakes in flight
  int max_batch = 500;           // publications per /api/batch request
  int publishers = 4;            // keep-alive HTTP connections publishing
  std::string token;
  std::string api_key;
  std::string channel_prefix = "bench:c";
  int server_pid = 0;
  int tick_us = 5000;     // how often publications due so far are sent
  std::string reader = "uring";  // subscribed sockets: "uring" or "epoll"
  bool timeline = false;  // print latency percentiles for each second
};

// Prints p50/p99/max delivery latency for each second of receipt, so that a
// tail caused by a burst can be distinguished from one spread over the run.
void print_timeline(const DeliveryStats& stats) {
  std::vector<std::vector<std::uint32_t>> by_second;
  for (std::size_t i = 0; i < stats.latencies_us.size(); ++i) {
    std::size_t second = stats.latency_second[i];
    if (by_second.size() <= second) by_second.resize(second + 1);
    by_second[second].push_back(stats.latencies_us[i]);
  }
  for (std::size_t second = 0; second < by_second.size(); ++second) {
    auto& lat = by_second[second];
    if (lat.empty()) continue;
    std::sort(lat.begin(), lat.end());
    auto at = [&](double p) { return lat[static_cast<std::size_t>(p * static_cast<double>(lat.size() - 1))] / 1000.0; };
    std::printf("second %2zu: %7zu deliveries, latency ms p50 %.2f  p99 %.2f  max %.2f\n", second, lat.size(), at(0.5),
                at(0.99), lat.back() / 1000.0);
  }
}

// One subscriber connection.
class Subscriber : public std::enable_shared_from_this<Subscriber> {
 public:
  Subscriber(asio::io_context& io, const Options& o, DeliveryStats& stats, SocketReader& reader, int index)
      : ws_(io), options_(o), stats_(stats), reader_(reader), index_(index) {}

  void start(tcp::endpoint endpoint, std::function<void()> on_ready) {
    on_ready_ = std::move(on_ready);
    ws_.next_layer().async_connect(endpoint, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->fail();
      self->ws_.async_handshake(self->options_.host, "/connection/websocket",
                                [self](beast::error_code ec2) { ec2 ? self->fail() : self->subscribe(); });
    });
  }

 private:
  void subscribe() {
    std::string channel = options_.channel_prefix + std::to_string(index_ / options_.channel_size);
    frame_ = R"({"id":1,"connect":{"token":")" + options_.token + "\"}}\n" + R"({"id":2,"subscribe":{"channel":")" +
             channel + "\"}}";
    ws_.async_write(asio::buffer(frame_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      ec ? self->fail() : self->read();
    });
  }

  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        ++self->stats_.closed;
        return;
      }
      auto data = self->buffer_.cdata();
      std::string_view text(static_cast<const char*>(data.data()), data.size());
      if (self->on_reply(text)) return;
      self->buffer_.consume(self->buffer_.size());
      self->read();
    });
  }

  // Reads the connect and subscribe replies. Returns true once the
  // subscription is in place (or failed) and Beast must stop reading.
  bool on_reply(std::string_view text) {
    std::size_t reply = text.find("\"id\":2");
    if (reply == std::string_view::npos) return false;
    std::string_view line = text.substr(reply);
    ready_ = true;
    if (line.find("\"error\"") != std::string_view::npos) {
      std::cerr << "subscribe failed: " << line << "\n";
      fail();
      return true;
    }
    ++stats_.connected;
    // No publication is sent before every subscriber is ready, so Beast has
    // no unread bytes of this socket buffered when the reader takes it over.
    reader_.adopt(ws_.next_layer().release());
    on_ready_();
    return true;
  }

  void fail() {
    ++stats_.failed;
    if (!ready_) {
      ready_ = true;
      on_ready_();
    }
  }

  websocket::stream<tcp::socket> ws_;
  const Options& options_;
  DeliveryStats& stats_;
  SocketReader& reader_;
  int index_;
  bool ready_ = false;
  std::string frame_;
  beast::flat_buffer buffer_;
  std::function<void()> on_ready_;
};

// Sends publications through POST /api/batch on one keep-alive connection.
class Publisher : public std::enable_shared_from_this<Publisher> {
 public:
  Publisher(asio::io_context& io, const Options& o, DeliveryStats& stats, std::uint32_t seed)
      : stream_(io), options_(o), stats_(stats), random_(seed) {}

  void connect(tcp::endpoint endpoint) {
    beast::error_code ec;
    stream_.socket().connect(endpoint, ec);
    if (ec) throw std::runtime_error("publisher connect failed: " + ec.message());
    stream_.socket().set_option(tcp::no_delay(true), ec);
  }

  bool busy() const { return busy_; }

  // Publishes `count` messages to channels chosen round-robin.
  void publish(int count, int channels) {
    busy_ = true;

    // One batch request; every publication carries the send time in `t`.
    std::string filler(static_cast<std::size_t>(options_.payload_bytes), 'x');
    std::string body = R"({"commands":[)";
    std::int64_t t = now_us();
    for (int i = 0; i < count; ++i) {
      if (i > 0) body += ',';
      std::string channel = options_.channel_prefix + std::to_string(pick_(random_) % channels);
      body += R"({"publish":{"channel":")" + channel + R"(","data":{"t":)" + std::to_string(t) + R"(,"p":")" +
              filler + "\"}}}";
    }
    body += "]}";

    request_ = {http::verb::post, "/api/batch", 11};
    request_.set(http::field::host, options_.host);
    request_.set("X-API-Key", options_.api_key);
    request_.set(http::field::content_type, "application/json");
    request_.keep_alive(true);
    request_.body() = std::move(body);
    request_.prepare_payload();

    // Write, then read the reply; the publisher is free again after it.
    http::async_write(stream_, request_, [self = shared_from_this(), count](beast::error_code ec, std::size_t) {
      if (ec) throw std::runtime_error("publish write failed: " + ec.message());
      self->response_ = {};
      http::async_read(self->stream_, self->buffer_, self->response_,
                       [self, count](beast::error_code ec2, std::size_t) {
                         if (ec2) throw std::runtime_error("publish read failed: " + ec2.message());
                         if (self->response_.result_int() != 200) {
                           throw std::runtime_error("publish returned " + std::to_string(self->response_.result_int()));
                         }
                         self->stats_.published += count;
                         self->busy_ = false;
                       });
    });
  }

 private:
  beast::tcp_stream stream_;
  const Options& options_;
  DeliveryStats& stats_;
  bool busy_ = false;
  // Each publication goes to a channel drawn at random, so that arrivals on
  // each channel are independent. (A round-robin counter per publisher
  // kept the publishers in step: they hit the same channel together, which
  // made per-connection bursts that no real workload guarantees.)
  std::minstd_rand random_;
  std::uniform_int_distribution<std::uint32_t> pick_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  beast::flat_buffer buffer_;
};

void run_for(asio::io_context& io, std::chrono::milliseconds span) {
  io.restart();
  io.run_for(span);
}

// Runs the io_context and reads subscriber frames for `span`.
void run_and_read_for(asio::io_context& io, SocketReader& reader, std::chrono::milliseconds span) {
  auto end = Clock::now() + span;
  while (Clock::now() < end) {
    reader.poll(1);
    io.restart();
    io.poll();
  }
}

}  // namespace

namespace {
int run_load(const Options& o);
}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Real-time WebSocket load generator (Centrifugo JSON protocol)"};
  app.add_option("--host", o.host, "Server host (loopback only)");
  app.add_option("--port", o.port, "Server port")->required();
  app.add_option("--connections", o.connections, "WebSocket connections (N)");
  app.add_option("--channel-size", o.channel_size, "Subscribers per channel (M)");
  app.add_option("--rate", o.rate, "Publications per second over all channels (R)");
  app.add_option("--duration", o.duration_s, "Publish phase, seconds");
  app.add_option("--payload", o.payload_bytes, "Filler bytes per publication");
  app.add_option("--max-batch", o.max_batch, "Most publications per /api/batch request");
  app.add_option("--publishers", o.publishers, "HTTP connections publishing, one request in flight each");
  app.add_option("--token", o.token, "Connection JWT")->required();
  app.add_option("--api-key", o.api_key, "Server API key")->required();
  app.add_option("--channel-prefix", o.channel_prefix, "Channel name prefix; channels are <prefix><n>");
  app.add_option("--server-pid", o.server_pid, "Server process id, for CPU and memory figures");
  app.add_option("--tick-us", o.tick_us, "Publishing tick: every tick, the publications due so far go out");
  app.add_option("--reader", o.reader, "How subscribed sockets are read: uring (falls back to epoll) or epoll")
      ->check(CLI::IsMember({"uring", "epoll"}));
  app.add_flag("--timeline", o.timeline, "Also print latency p50/p99/max for each second of publishing");
  CLI11_PARSE(app, argc, argv);
  if (o.host != "127.0.0.1" && o.host != "::1" && o.host != "localhost") {
    std::cerr << "refusing to load a non-loopback host\n";
    return 2;
  }

  try {
    return run_load(o);
  } catch (const std::exception& e) {
    std::cerr << "realtime_load: " << e.what() << "; stopping\n";
    return 1;
  }
}

namespace {

// Connects, subscribes, publishes for the duration and prints the report.
int run_load(const Options& o) {
  asio::io_context io(1);
  DeliveryStats stats;
  std::string reader_note;
  std::unique_ptr<SocketReader> reader_owner = make_socket_reader(o.reader, stats, reader_note);
  SocketReader& reader = *reader_owner;
  std::printf("reader: %s%s%s\n", reader.name().c_str(), reader_note.empty() ? "" : ", io_uring unavailable: ",
              reader_note.c_str());
  tcp::endpoint endpoint(asio::ip::make_address(o.host == "localhost" ? "127.0.0.1" : o.host), o.port);
  ProcessSample before = sample_process(o.server_pid);

  // Phase 1: connect and subscribe, a bounded number of handshakes at a time.
  auto connect_started = Clock::now();
  int started = 0;
  int done = 0;
  std::function<void()> start_next = [&] {
    while (started < o.connections && started - done < o.connect_concurrency) {
      auto sub = std::make_shared<Subscriber>(io, o, stats, reader, started++);
      sub->start(endpoint, [&] {
        ++done;
        start_next();
      });
    }
  };
  start_next();
  auto connect_deadline = Clock::now() + std::chrono::seconds(120);
  while (done < o.connections && Clock::now() < connect_deadline) run_for(io, std::chrono::milliseconds(100));
  double connect_s = std::chrono::duration<double>(Clock::now() - connect_started).count();
  std::printf("connected %lld of %d (failed %lld) in %.1f s\n", static_cast<long long>(stats.connected),
              o.connections, static_cast<long long>(stats.failed), connect_s);

  run_for(io, std::chrono::seconds(o.idle_s));
  ProcessSample idle = sample_process(o.server_pid);

  // Phase 2: publish at the target rate for the duration.
  int channels = (o.connections + o.channel_size - 1) / o.channel_size;
  std::vector<std::shared_ptr<Publisher>> publishers;
  for (int i = 0; i < o.publishers; ++i) {
    publishers.push_back(std::make_shared<Publisher>(io, o, stats, static_cast<std::uint32_t>(i + 1)));
    publishers.back()->connect(endpoint);
  }
  stats.latencies_us.clear();
  stats.latency_second.clear();
  stats.publish_started_us = now_us();
  std::int64_t deliveries_before = stats.deliveries;
  std::int64_t frames_before = stats.frames;
  ProcessSample self_start = sample_process(getpid());
  auto publish_started = Clock::now();
  auto publish_end = publish_started + std::chrono::seconds(o.duration_s);
  std::int64_t requested = 0;
  asio::steady_timer tick(io);
  std::function<void()> on_tick = [&] {
    auto now = Clock::now();
    if (now >= publish_end) return;
    double elapsed = std::chrono::duration<double>(now - publish_started).count();
    auto due = static_cast<std::int64_t>(elapsed * o.rate) - requested;
    for (auto& p : publishers) {
      if (due <= 0) break;
      if (p->busy()) continue;
      int count = static_cast<int>(std::min<std::int64_t>(due, o.max_batch));
      p->publish(count, channels);
      requested += count;
      due -= count;
    }
    tick.expires_after(std::chrono::microseconds(o.tick_us));
    tick.async_wait([&](beast::error_code ec) {
      if (!ec) on_tick();
    });
  };
  on_tick();
  ProcessSample load_start = sample_process(o.server_pid);
  run_and_read_for(io, reader, std::chrono::seconds(o.duration_s));
  ProcessSample load_end = sample_process(o.server_pid);
  ProcessSample self_end = sample_process(getpid());
  double publish_s = std::chrono::duration<double>(Clock::now() - publish_started).count();
  run_and_read_for(io, reader, std::chrono::seconds(2));  // drain

  // Report.
  if (o.timeline) print_timeline(stats);
  std::int64_t deliveries = stats.deliveries - deliveries_before;
  std::int64_t expected = stats.published * std::min(o.channel_size, o.connections);
  auto& lat = stats.latencies_us;
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) {
    if (lat.empty()) return 0.0;
    auto index = static_cast<std::size_t>(p * static_cast<double>(lat.size() - 1));
    return lat[index] / 1000.0;
  };
  std::printf("published %lld publications in %.1f s (target %d/s)\n", static_cast<long long>(stats.published),
              publish_s, o.rate);
  std::printf("deliveries %lld of %lld expected, %.0f per second\n", static_cast<long long>(deliveries),
              static_cast<long long>(expected), static_cast<double>(deliveries) / publish_s);
  std::printf("latency ms: p50 %.2f  p99 %.2f  max %.2f\n", pct(0.5), pct(0.99), lat.empty() ? 0.0 : lat.back() / 1000.0);
  std::printf("connections closed during run: %lld\n", static_cast<long long>(stats.closed));
  std::printf("frames received %lld (%.1f publications per frame); load generator CPU %.0f%% of one core\n",
              static_cast<long long>(stats.frames - frames_before),
              static_cast<double>(deliveries) / static_cast<double>(std::max<std::int64_t>(1, stats.frames - frames_before)),
              100.0 * (self_end.cpu_s - self_start.cpu_s) / publish_s);
  if (o.server_pid > 0) {
    double per_conn_kb = static_cast<double>(idle.rss_kb - before.rss_kb) /
                         static_cast<double>(std::max<std::int64_t>(1, stats.connected));
    std::printf("server RSS: %ld KB before, %ld KB with %lld idle connections: %.1f KB per connection\n",
                before.rss_kb, idle.rss_kb, static_cast<long long>(stats.connected), per_conn_kb);
    std::printf("server CPU during publishing: %.0f%% of one core; its threads waited for a CPU %.0f%% of the time "
                "(summed over threads)\n",
                100.0 * (load_end.cpu_s - load_start.cpu_s) / publish_s,
                100.0 * (load_end.run_wait_s - load_start.run_wait_s) / publish_s);
  }
  return stats.failed > 0 ? 1 : 0;
}

}  // namespace
