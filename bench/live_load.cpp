// Load generator for live editing: K editors per document on D documents,
// each a WebSocket client speaking the Centrifugo JSON protocol that
// subscribes to doc:{ws}:{doc} and submits json0 ops with the doc.submit RPC,
// one op in flight per client, each based on the newest version it has seen.
//
// Modes:
//   --rate 0   each client submits its next op as soon as the previous one is
//              acknowledged (committed ops/s and ack latency).
//   --rate R   each client submits R ops per second at a fixed pace with a
//              random phase (broadcast latency at a typing rate).
//
// Prints committed ops/s, ack latency (submit to reply) and broadcast latency
// (submit to receipt by every other subscriber of the document), p50/p99/max,
// the storage writer's group commits (from /metrics), the server's CPU, RSS
// and run-queue wait from /proc given its pid, and this tool's own CPU.
//
// Everything runs on one thread so that the other core stays with the server
// on a 2-core machine. Every phase is bounded in time and the op count is
// bounded by --max-ops.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <CLI/CLI.hpp>

#include "common/percentile.h"
#include "common/proc_stats.h"
#include "common/rest_client.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
namespace bench = tandem::bench;
using bench::ProcessSample;
using bench::Rest;
using bench::load_average;
using bench::sample_process;

namespace {

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string secret;
  int documents = 1;          // D
  int per_document = 50;      // K editors per document
  double rate = 0;            // ops per second per client, or 0 for one op per ack
  int warmup_s = 2;           // submitting but not measured
  int duration_s = 20;        // measured window
  std::int64_t max_ops = 2'000'000;  // stop submitting after this many ops in total
  int server_pid = 0;
  int connect_concurrency = 100;
  bool nagle = false;         // keep Nagle's algorithm on the client sockets
};

const Clock::time_point kStart = Clock::now();

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - kStart).count();
}

// Returns the non-negative integer that follows `key` in `text`, or -1 if `key` is absent.
std::int64_t int_after(std::string_view text, std::string_view key, std::size_t from = 0) {
  std::size_t at = text.find(key, from);
  if (at == std::string_view::npos) return -1;
  return std::strtoll(text.data() + at + key.size(), nullptr, 10);
}

struct Stats {
  std::int64_t window_start_us = 0;
  std::int64_t window_end_us = 0;
  bool submitting = false;
  std::int64_t submitted = 0;       // all ops sent
  std::int64_t acked_in_window = 0;  // acks received inside the window
  std::int64_t sent_in_window = 0;   // ops sent inside the window and not rejected
  std::int64_t deliveries_in_window = 0;  // publications of window ops received by other clients
  std::int64_t rate_limited = 0;
  std::int64_t other_errors = 0;
  std::int64_t closed = 0;
  std::int64_t deferred_ticks = 0;    // paced ticks sent after the ack because an op was in flight
  std::vector<std::uint32_t> ack_us;
  std::vector<std::uint32_t> broadcast_us;

  bool in_window(std::int64_t t) const { return t >= window_start_us && t < window_end_us; }
};

constexpr std::size_t kMaxSamples = 20'000'000;
constexpr std::size_t kRing = 256;  // send times kept per client, by seq

class Editor;
std::vector<std::shared_ptr<Editor>>* g_editors = nullptr;

// One editor: a WebSocket connection subscribed to its document's channel.
class Editor : public std::enable_shared_from_this<Editor> {
 public:
  Editor(asio::io_context& io, const Options& o, Stats& stats, int index, std::string token, std::string channel,
         std::string doc_id, std::uint32_t seed)
      : ws_(io), timer_(io), options_(o), stats_(stats), index_(index), token_(std::move(token)),
        channel_(std::move(channel)), doc_id_(std::move(doc_id)), random_(seed) {}

  void start(tcp::endpoint endpoint, std::function<void()> on_ready) {
    on_ready_ = std::move(on_ready);
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(30));
    beast::get_lowest_layer(ws_).async_connect(endpoint, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->fail("connect: " + ec.message());
      beast::get_lowest_layer(self->ws_).expires_never();
      // Browsers disable Nagle's algorithm on WebSocket connections, and so does this tool unless --nagle.
      beast::get_lowest_layer(self->ws_).socket().set_option(tcp::no_delay(!self->options_.nagle), ec);
      self->ws_.async_handshake(self->options_.host, "/connection/websocket", [self](beast::error_code ec2) {
        if (ec2) return self->fail("handshake: " + ec2.message());
        self->send(R"({"id":1,"connect":{"token":")" + self->token_ + "\"}}\n" + R"({"id":2,"subscribe":{"channel":")" +
                   self->channel_ + "\"}}");
        self->read();
      });
    });
  }

  // Starts submitting: immediately in ack-paced mode, else after a random phase.
  void begin_submitting() {
    if (options_.rate <= 0) return submit();
    auto interval = std::chrono::duration<double>(1.0 / options_.rate);
    std::uniform_real_distribution<double> phase(0.0, 1.0);
    next_tick_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(interval * phase(random_));
    schedule_tick();
  }

  // Returns when op `seq` of this client was sent (now_us() time), or -1 if it is no longer kept.
  std::int64_t sent_at(std::int64_t seq) const {
    bool kept = seq >= 1 && seq <= seq_ && seq_ - seq < static_cast<std::int64_t>(kRing);
    return kept ? sent_us_[static_cast<std::size_t>(seq) % kRing] : -1;
  }
  bool failed() const { return failed_; }

 private:
  void schedule_tick() {
    timer_.expires_at(next_tick_);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || !self->stats_.submitting) return;
      self->next_tick_ += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / self->options_.rate));
      if (self->inflight_) {
        ++self->stats_.deferred_ticks;
        self->pending_ = true;
      } else {
        self->submit();
      }
      self->schedule_tick();
    });
  }

  void submit() {
    if (!stats_.submitting || stats_.submitted >= options_.max_ops) return;
    ++seq_;
    ++stats_.submitted;
    inflight_ = true;
    pending_ = false;
    // The document text grows by one character per op, so at version v it
    // has v characters (the benchmark documents start empty).
    std::uniform_int_distribution<std::int64_t> position(0, known_version_);
    std::int64_t t = now_us();
    sent_us_[seq_ % kRing] = t;
    if (stats_.in_window(t)) ++stats_.sent_in_window;
    send(R"({"id":)" + std::to_string(++rpc_id_) + R"(,"rpc":{"method":"doc.submit","data":{"doc_id":")" + doc_id_ +
         R"(","version":)" + std::to_string(known_version_) + R"(,"op":[{"p":["text",)" +
         std::to_string(position(random_)) + R"(],"si":"a"}],"client_id":"c)" + std::to_string(index_) +
         R"(","seq":)" + std::to_string(seq_) + "}}}");
  }

  void send(std::string frame) {
    out_.push_back(std::move(frame));
    if (out_.size() == 1) write_next();
  }

  void write_next() {
    ws_.async_write(asio::buffer(out_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->fail("write: " + ec.message());
      self->out_.pop_front();
      if (!self->out_.empty()) self->write_next();
    });
  }

  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        ++self->stats_.closed;
        if (!self->ready_) self->fail("read: " + ec.message());
        return;
      }
      self->on_message();
      self->buffer_.consume(self->buffer_.size());
      self->read();
    });
  }

  void on_message() {
    auto data = buffer_.cdata();
    std::string_view text(static_cast<const char*>(data.data()), data.size());
    std::int64_t received_us = now_us();
    std::size_t pos = 0;
    while (pos <= text.size()) {
      std::size_t end = text.find('\n', pos);
      handle_line(text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos), received_us);
      if (end == std::string_view::npos) break;
      pos = end + 1;
    }
  }

  void handle_line(std::string_view line, std::int64_t received_us) {
    if (line == "{}") return send("{}");  // server ping
    if (line.starts_with(R"({"push")")) return on_publication(line, received_us);
    std::int64_t id = int_after(line, R"("id":)");
    if (id == 1) {
      if (line.find(R"("error")") != std::string_view::npos) fail("connect refused: " + std::string(line));
      return;
    }
    if (id == 2) return on_subscribed(line);
    if (id > 2) on_reply(line, received_us);
  }

  void on_subscribed(std::string_view line) {
    if (line.find(R"("error")") != std::string_view::npos) return fail("subscribe refused: " + std::string(line));
    known_version_ = std::max<std::int64_t>(0, int_after(line, R"("offset":)"));
    ready_ = true;
    on_ready_();
  }

  void on_publication(std::string_view line, std::int64_t received_us) {
    std::int64_t version = int_after(line, R"("version":)");
    known_version_ = std::max(known_version_, version);
    std::int64_t author = int_after(line, R"("client_id":"c)");
    if (author == index_ || author < 0 || author >= static_cast<std::int64_t>(g_editors->size())) return;
    std::int64_t sent = (*g_editors)[static_cast<std::size_t>(author)]->sent_at(int_after(line, R"("seq":)"));
    if (sent < 0 || !stats_.in_window(sent)) return;
    ++stats_.deliveries_in_window;
    if (stats_.broadcast_us.size() < kMaxSamples) {
      stats_.broadcast_us.push_back(static_cast<std::uint32_t>(received_us - sent));
    }
  }

  void on_reply(std::string_view line, std::int64_t received_us) {
    inflight_ = false;
    std::int64_t sent = sent_us_[seq_ % kRing];
    if (line.find(R"("error")") != std::string_view::npos) {
      if (stats_.in_window(sent)) --stats_.sent_in_window;  // rejected, so never broadcast
      std::int64_t code = int_after(line, R"("code":)");
      if (code == 111) {
        ++stats_.rate_limited;
      } else if (++stats_.other_errors <= 5) {
        std::cerr << "client " << index_ << ": " << line << "\n";
      }
      return retry_later();
    }
    std::int64_t version = int_after(line, R"("version":)");
    known_version_ = std::max(known_version_, version);
    if (stats_.in_window(received_us)) ++stats_.acked_in_window;
    if (stats_.in_window(sent) && stats_.ack_us.size() < kMaxSamples) {
      stats_.ack_us.push_back(static_cast<std::uint32_t>(received_us - sent));
    }
    if (options_.rate <= 0 || pending_) submit();
  }

  // After an error reply: try again in 10 ms (ack-paced mode) or at the next tick.
  void retry_later() {
    if (options_.rate > 0) return;
    auto retry = std::make_shared<asio::steady_timer>(ws_.get_executor(), std::chrono::milliseconds(10));
    retry->async_wait([self = shared_from_this(), retry](beast::error_code) { self->submit(); });
  }

  void fail(const std::string& why) {
    if (!failed_) std::cerr << "client " << index_ << ": " << why << "\n";
    failed_ = true;
    if (!ready_) {
      ready_ = true;
      on_ready_();
    }
  }

  websocket::stream<beast::tcp_stream> ws_;
  asio::steady_timer timer_;
  const Options& options_;
  Stats& stats_;
  int index_;
  std::string token_;
  std::string channel_;
  std::string doc_id_;
  std::mt19937 random_;
  bool ready_ = false;
  bool failed_ = false;
  bool inflight_ = false;
  bool pending_ = false;
  std::int64_t known_version_ = 0;
  std::int64_t seq_ = 0;
  std::int64_t rpc_id_ = 2;
  std::array<std::int64_t, kRing> sent_us_{};
  Clock::time_point next_tick_;
  std::deque<std::string> out_;
  beast::flat_buffer buffer_;
  std::function<void()> on_ready_;
};

std::string mint(const Options& o, const std::string& user) { return bench::mint_token(o.secret, user); }

// Creates a workspace owned by "bench-owner", one editor per client and the
// documents (content {"text": ""}). Returns the workspace id and the document ids.
std::pair<std::string, std::vector<std::string>> set_up(asio::io_context& io, tcp::endpoint endpoint,
                                                        const Options& o) {
  Rest rest(io, endpoint, o.host);
  std::string owner = mint(o, "bench-owner");
  json::value workspace = rest.call(http::verb::post, "/v1/workspaces", owner, {{"name", "live bench"}}, 201);
  std::string ws(workspace.at("id").as_string());
  for (int i = 0; i < o.documents * o.per_document; ++i) {
    rest.call(http::verb::put, "/v1/workspaces/" + ws + "/members/u" + std::to_string(i), owner, {{"role", "editor"}},
              200);
  }
  std::vector<std::string> documents;
  for (int d = 0; d < o.documents; ++d) {
    json::value body = {{"title", "doc " + std::to_string(d)}, {"content", {{"text", ""}}}};
    json::value created = rest.call(http::verb::post, "/v1/workspaces/" + ws + "/documents", owner, body, 201);
    documents.emplace_back(created.at("id").as_string());
  }
  return {ws, documents};
}

void print_latency(const char* what, std::vector<std::uint32_t>& samples) {
  std::sort(samples.begin(), samples.end());
  std::printf("%s latency ms (%zu samples): p50 %.2f  p99 %.2f  max %.2f\n", what, samples.size(),
              bench::percentile_ms(samples, 0.5), bench::percentile_ms(samples, 0.99), samples.empty() ? 0.0 : samples.back() / 1000.0);
}

std::string fmt_rate(double rate) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", rate);
  return text;
}

void run_for(asio::io_context& io, std::chrono::milliseconds span) {
  io.restart();
  io.run_for(span);
}

// Server-side counters: the documents' versions (REST) and the storage
// writer's group commits (GET /metrics).
struct ServerCounters {
  std::int64_t versions = 0;  // sum over the documents
  double commits = 0;         // group COMMITs, each one fsync
  double commit_s = 0;        // time spent in those COMMITs
};

double metric(const std::string& text, const std::string& name) {
  std::size_t at = text.find("\n" + name + " ");
  return at == std::string::npos ? 0 : std::strtod(text.c_str() + at + name.size() + 2, nullptr);
}

ServerCounters server_counters(asio::io_context& io, tcp::endpoint endpoint, const Options& o,
                               const std::vector<std::string>& documents) {
  Rest rest(io, endpoint, o.host);
  std::string owner = mint(o, "bench-owner");
  ServerCounters counters;
  for (const auto& id : documents) {
    counters.versions += rest.call(http::verb::get, "/v1/documents/" + id, owner, nullptr, 200).at("version").as_int64();
  }
  std::string metrics = rest.text(http::verb::get, "/metrics", owner, 200);
  counters.commits = metric(metrics, "tandem_db_commit_duration_seconds_count");
  counters.commit_s = metric(metrics, "tandem_db_commit_duration_seconds_sum");
  return counters;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Live editing load generator (doc.submit over the Centrifugo JSON protocol)"};
  app.add_option("--host", o.host, "Server host (loopback only)");
  app.add_option("--port", o.port, "Server port")->required();
  app.add_option("--secret", o.secret, "The server's JWT secret, to mint tokens")->required();
  app.add_option("--documents", o.documents, "Documents (D)");
  app.add_option("--per-document", o.per_document, "Editors per document (K)");
  app.add_option("--rate", o.rate, "Ops per second per editor; 0 submits on every ack");
  app.add_option("--warmup", o.warmup_s, "Seconds of load before measuring");
  app.add_option("--duration", o.duration_s, "Measured seconds");
  app.add_option("--max-ops", o.max_ops, "Ops submitted in total, at most");
  app.add_flag("--nagle", o.nagle, "Leave Nagle's algorithm on (default: TCP_NODELAY, as browsers)");
  app.add_option("--server-pid", o.server_pid, "Server process id, for CPU and memory figures");
  CLI11_PARSE(app, argc, argv);
  if (o.host != "127.0.0.1" && o.host != "::1") {
    std::cerr << "refusing to load a non-loopback host\n";
    return 2;
  }
  if (o.duration_s < 1 || o.duration_s > 600 || o.warmup_s < 0 || o.warmup_s > 60) {
    std::cerr << "--duration must be 1..600 and --warmup 0..60 seconds\n";
    return 2;
  }

  asio::io_context io;
  tcp::endpoint endpoint(asio::ip::make_address(o.host), o.port);
  Stats stats;
  auto [ws, documents] = set_up(io, endpoint, o);
  int clients = o.documents * o.per_document;
  std::printf("set up workspace %s: %d documents, %d editors each, %d clients\n", ws.c_str(), o.documents,
              o.per_document, clients);
  ProcessSample before = sample_process(o.server_pid);

  // Connect and subscribe, a bounded number of handshakes at a time.
  std::vector<std::shared_ptr<Editor>> editors;
  g_editors = &editors;
  for (int i = 0; i < clients; ++i) {
    int d = i / o.per_document;
    editors.push_back(std::make_shared<Editor>(io, o, stats, i, mint(o, "u" + std::to_string(i)),
                                               "doc:" + ws + ":" + documents[d], documents[d], 1000u + i));
  }
  int started = 0;
  int ready = 0;
  std::function<void()> start_next = [&] {
    while (started < clients && started - ready < o.connect_concurrency) {
      editors[started++]->start(endpoint, [&] {
        ++ready;
        start_next();
      });
    }
  };
  start_next();
  auto connect_deadline = Clock::now() + std::chrono::seconds(60);
  while (ready < clients && Clock::now() < connect_deadline) run_for(io, std::chrono::milliseconds(50));
  auto failed = std::count_if(editors.begin(), editors.end(), [](auto& e) { return e->failed(); });
  std::printf("connected and subscribed %lld of %d\n", static_cast<long long>(ready - failed), clients);
  if (ready < clients || failed > 0) return 1;
  ProcessSample idle = sample_process(o.server_pid);

  // Warm up, then measure for the duration.
  std::int64_t begin_us = now_us();
  stats.window_start_us = begin_us + o.warmup_s * 1'000'000LL;
  stats.window_end_us = stats.window_start_us + o.duration_s * 1'000'000LL;
  stats.submitting = true;
  for (auto& e : editors) e->begin_submitting();
  run_for(io, std::chrono::seconds(o.warmup_s));
  ServerCounters counters_start = server_counters(io, endpoint, o, documents);
  ProcessSample server_start = sample_process(o.server_pid);
  ProcessSample self_start = sample_process(getpid());
  run_for(io, std::chrono::milliseconds(stats.window_end_us / 1000 - now_us() / 1000));
  ProcessSample server_end = sample_process(o.server_pid);
  ProcessSample self_end = sample_process(getpid());
  ServerCounters counters_end = server_counters(io, endpoint, o, documents);
  std::int64_t versions = counters_end.versions - counters_start.versions;
  double commits = counters_end.commits - counters_start.commits;
  double window_s = o.duration_s;
  stats.submitting = false;
  run_for(io, std::chrono::seconds(2));  // drain replies and publications

  // Report.
  std::int64_t expected_deliveries = stats.sent_in_window * (o.per_document - 1);
  std::printf("mode: %s, warmup %d s, measured %d s\n",
              o.rate > 0 ? ("paced at " + fmt_rate(o.rate) + " ops/s per editor").c_str() : "ack-paced (max)",
              o.warmup_s, o.duration_s);
  std::printf("committed ops/s: %.0f (acks in window), %.0f (document versions advanced %lld)\n",
              static_cast<double>(stats.acked_in_window) / window_s,
              static_cast<double>(versions) / window_s, static_cast<long long>(versions));
  std::printf("group commits: %.0f (%.1f ops per fsync), %.0f ms in COMMIT (%.0f%% of the window, %.2f ms each)\n",
              commits, static_cast<double>(versions) / std::max(1.0, commits),
              1000 * (counters_end.commit_s - counters_start.commit_s),
              100 * (counters_end.commit_s - counters_start.commit_s) / window_s,
              1000 * (counters_end.commit_s - counters_start.commit_s) / std::max(1.0, commits));
  print_latency("ack", stats.ack_us);
  print_latency("broadcast", stats.broadcast_us);
  std::printf("broadcast deliveries %lld of %lld expected for ops sent in the window\n",
              static_cast<long long>(stats.deliveries_in_window), static_cast<long long>(expected_deliveries));
  std::printf("errors: rate limited %lld, other %lld; connections closed %lld; paced ticks deferred %lld\n",
              static_cast<long long>(stats.rate_limited), static_cast<long long>(stats.other_errors),
              static_cast<long long>(stats.closed), static_cast<long long>(stats.deferred_ticks));
  std::printf("load generator CPU: %.0f%% of one core; load average at the end: %s", 
              100.0 * (self_end.cpu_s - self_start.cpu_s) / window_s, load_average().c_str());
  if (o.server_pid > 0) {
    std::printf("server threads waited for a CPU %.1f s in total during the %.0f s window\n",
                server_end.run_wait_s - server_start.run_wait_s, window_s);
    std::printf("server CPU: %.0f%% of one core; RSS %ld KB before connecting, %ld KB connected, %ld KB at the end\n",
                100.0 * (server_end.cpu_s - server_start.cpu_s) / window_s, before.rss_kb, idle.rss_kb,
                server_end.rss_kb);
  }
  return stats.other_errors > 0 ? 1 : 0;
}
