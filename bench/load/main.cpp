// tandem-load: drives a Tandem server the way a small company's workspace
// would (see BENCHMARKS.md, "Target workload"): simulated users type from
// recorded keystroke traces into shared json0 documents over WebSocket, move
// cursors, switch documents, search and mention or assign each other. It
// measures latencies, errors and the server's CPU and memory, and at the end
// verifies convergence, the op log and the notifications. With --chaos it
// runs the server itself and kills it with SIGKILL at random moments.
//
// The event loop runs on one thread, so that the other core stays with the
// server on a 2-core machine. Searches and inbox probes run on two HTTP threads.
// Every phase is bounded in time. Exit status: 0 when every check passed,
// 1 on a violation or a failed run, 2 on bad flags, 77 when the editing
// traces cannot be read.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>
#include <CLI/CLI.hpp>

#include "clock.h"
#include "common/proc_stats.h"
#include "common/rest_client.h"
#include "http_worker.h"
#include "metrics.h"
#include "report.h"
#include "server_process.h"
#include "traces.h"
#include "user.h"
#include "verify.h"
#include "world.h"

namespace asio = boost::asio;
namespace json = boost::json;
namespace http = boost::beast::http;
using namespace tandem::load;
namespace bench = tandem::bench;

namespace {

constexpr const char* kOwner = "load-owner";
constexpr int kNoTraces = 77;  // the tests treat it as "skipped"

void run_for(asio::io_context& io, std::chrono::milliseconds span) {
  io.restart();
  io.run_for(span);
}

// Runs the loop until `done()` or `limit` passed; returns done().
template <typename Done>
bool run_until(asio::io_context& io, std::chrono::seconds limit, Done done) {
  auto deadline = Clock::now() + limit;
  while (!done() && Clock::now() < deadline) run_for(io, std::chrono::milliseconds(100));
  return done();
}

int parse_options(int argc, char** argv, Options& o) {
  CLI::App app{"Tandem target-workload load tool: editors, cursors, searches, mentions; optional kill -9 chaos"};
  app.add_option("--host", o.host, "Server address (loopback only)");
  app.add_option("--port", o.port, "Port of a running server (then --secret must be its secret)");
  app.add_option("--server-bin", o.server_bin, "tandem binary to start on 127.0.0.1 (required with --chaos)");
  app.add_option("--data-dir", o.data_dir, "Data directory for the started server (default: a new temporary one)");
  app.add_option("--secret", o.secret, "JWT secret: the running server's, or the one to start it with");
  app.add_option("--api-key", o.api_key, "Server API key to start the server with");
  app.add_option("--server-pid", o.server_pid, "Pid of a running server, for CPU and memory figures");
  app.add_option("--users", o.users, "Simulated users, all members of one workspace")->check(CLI::Range(1, 20000));
  app.add_option("--documents", o.documents, "Documents; the first is the meeting document")->check(CLI::Range(1, 10000));
  app.add_option("--hot-editors", o.hot_editors, "Users editing the meeting document")->check(CLI::Range(0, 20000));
  app.add_option("--op-rate", o.op_rate, "Average keystrokes per second per user")->check(CLI::Range(0.01, 50.0));
  app.add_option("--warmup", o.warmup_s, "Seconds of editing before measuring")->check(CLI::Range(0, 600));
  app.add_option("--duration", o.duration_s, "Measured seconds of editing")->check(CLI::Range(1, 3600));
  app.add_option("--cursor-interval", o.cursor_interval_s, "Seconds between a typing user's cursor updates");
  app.add_option("--search-every", o.search_every_s, "Mean seconds between one user's searches (0: none)");
  app.add_option("--mention-every", o.mention_every_s, "Mean seconds between one user's mentions");
  app.add_option("--assign-every", o.assign_every_s, "Mean seconds between one user's task assignments");
  app.add_option("--switch-every", o.switch_every_s, "Mean seconds before a user opens another document (0: never)");
  std::string notifications = "on";
  app.add_option("--notifications", notifications, "on: mention, assign and verify the inbox; off: skip")
      ->check(CLI::IsMember({"on", "off"}));
  app.add_flag("--chaos", o.chaos, "Kill the server with SIGKILL during the run and restart it");
  app.add_option("--kills", o.kills, "Kills in chaos mode")->check(CLI::Range(0, 1000));
  app.add_option("--restart-delay", o.restart_delay_s, "Seconds between a kill and the restart");
  app.add_option("--seed", o.seed, "Seed of every random choice");
  app.add_option("--traces", o.traces_dir, "Folder of *.json.gz editing traces");
  app.add_option("--trace-keys", o.trace_keys, "Keystrokes read from each trace, at most");
  app.add_option("--report", o.report_path, "JSON report path");
  app.add_option("--chart", o.chart_path, "SVG chart path (default: the report path with .svg)");
  app.add_option("--settle", o.settle_s, "Seconds allowed for the end-of-run drain and checks")->check(CLI::Range(5, 600));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? -1 : 2;
  }
  o.notifications = notifications == "on";
  if (o.host != "127.0.0.1" && o.host != "::1") {
    std::cerr << "--host must be a loopback address (127.0.0.1 or ::1), not " << o.host << "\n";
    return 2;
  }
  if (o.server_bin.empty() && o.port == 0) {
    std::cerr << "give --server-bin to start a server, or --port (and --secret) of a running one\n";
    return 2;
  }
  if (o.chaos && o.server_bin.empty()) {
    std::cerr << "--chaos needs --server-bin: the tool must start the server to kill and restart it\n";
    return 2;
  }
  if (o.hot_editors > o.users) {
    std::cerr << "--hot-editors (" << o.hot_editors << ") cannot exceed --users (" << o.users << ")\n";
    return 2;
  }
  if (o.traces_dir.empty()) o.traces_dir = default_traces_dir(TANDEM_LOAD_TRACES_FALLBACK);
  if (o.chart_path.empty()) {
    std::filesystem::path p(o.report_path);
    o.chart_path = p.replace_extension(".svg").string();
  }
  return 0;
}

// Creates the workspace, its members and documents. Returns the owner's token.
std::string set_up(World& world, asio::io_context& setup_io) {
  const Options& o = world.o;
  long ttl = o.warmup_s + o.duration_s + o.settle_s + 3600;
  bench::Rest rest(setup_io, world.endpoint, o.host);
  std::string owner = bench::mint_token(o.secret, kOwner, ttl);
  json::value ws = rest.call(http::verb::post, "/v1/workspaces", owner, {{"name", "Load test company"}}, 201);
  world.workspace = std::string(ws.at("id").as_string());
  for (int i = 0; i < o.users; ++i) {
    rest.call(http::verb::put, "/v1/workspaces/" + world.workspace + "/members/" + World::user_id(i), owner,
              {{"role", "editor"}}, 200);
    world.tokens.push_back(bench::mint_token(o.secret, World::user_id(i), ttl));
  }
  for (int d = 0; d < o.documents; ++d) {
    std::string title = d == 0 ? "Meeting notes" : "Project page " + std::to_string(d);
    json::value body = {{"title", title}, {"content", initial_content()}};
    json::value created = rest.call(http::verb::post, "/v1/workspaces/" + world.workspace + "/documents", owner,
                                    body, 201);
    world.docs.emplace_back(created.at("id").as_string());
  }
  return owner;
}

// The server the tool started, restarted after each chaos kill.
struct Chaos {
  ServerProcess* server = nullptr;
  std::vector<std::unique_ptr<asio::steady_timer>> timers;
  std::vector<HttpWorker*> workers;
  bool failed = false;
};

void wait_for_port(World& world, Chaos& chaos, std::shared_ptr<asio::steady_timer> timer, int tries) {
  int port = chaos.server->poll_port();
  if (port < 0 || tries <= 0) {
    std::cerr << "the server did not come back after a kill (see its log)\n";
    chaos.failed = true;
    return;
  }
  if (port > 0) {
    world.endpoint.port(static_cast<std::uint16_t>(port));
    world.server_up = true;
    for (HttpWorker* w : chaos.workers) w->set_port(static_cast<std::uint16_t>(port));
    return;
  }
  timer->expires_after(std::chrono::milliseconds(20));
  timer->async_wait([&world, &chaos, timer, tries](boost::system::error_code ec) {
    if (!ec) wait_for_port(world, chaos, timer, tries - 1);
  });
}

void schedule_kills(World& world, Chaos& chaos, std::int64_t start_us) {
  const Options& o = world.o;
  double first = o.warmup_s + 3.0;
  double last = o.warmup_s + o.duration_s - 10.0;
  if (o.kills == 0 || last <= first) {
    if (o.kills > 0) std::cerr << "warning: the run is too short for kills (needs --warmup + --duration >= 14 s)\n";
    return;
  }
  // One kill at a random moment in each of `kills` equal slots, so that kills never pile up.
  double slot = (last - first) / o.kills;
  std::uniform_real_distribution<double> within(0.0, slot * 0.8);
  for (int k = 0; k < o.kills; ++k) {
    double seconds = first + slot * k + within(world.rng);
    auto timer = std::make_unique<asio::steady_timer>(world.io);
    timer->expires_at(run_start() + std::chrono::microseconds(start_us + static_cast<std::int64_t>(seconds * 1e6)));
    timer->async_wait([&world, &chaos](boost::system::error_code ec) {
      if (ec || !world.server_up) return;  // a kill while restarting waits for no one
      chaos.server->kill_hard();
      world.metrics.kill_at(now_us());
      world.server_up = false;
      auto restart = std::make_shared<asio::steady_timer>(world.io);
      restart->expires_after(std::chrono::milliseconds(static_cast<std::int64_t>(world.o.restart_delay_s * 1000)));
      restart->async_wait([&world, &chaos, restart](boost::system::error_code ec2) {
        if (ec2) return;
        if (std::string error = chaos.server->spawn(); !error.empty()) {
          std::cerr << "restart failed: " << error << "\n";
          chaos.failed = true;
          return;
        }
        wait_for_port(world, chaos, restart, 1000);
      });
    });
    chaos.timers.push_back(std::move(timer));
  }
}

// Samples the server process and the clients once a second.
struct TickState {
  std::function<int()> pid;
  int last_pid = -1;
  bench::ProcessSample last_server;
  bench::ProcessSample last_tool;
};

void schedule_ticks(World& world, asio::steady_timer& timer, TickState& state) {
  timer.expires_after(std::chrono::seconds(1));
  timer.async_wait([&world, &timer, &state](boost::system::error_code ec) {
    if (ec) return;
    int p = state.pid();
    bench::ProcessSample s = bench::sample_process(p);
    bench::ProcessSample tool = bench::sample_process(static_cast<int>(getpid()));
    bool same = p == state.last_pid && p > 0;
    Tick t;
    t.at_ms = static_cast<std::uint32_t>(now_us() / 1000);
    t.server_cpu = same ? std::max(0.0, s.cpu_s - state.last_server.cpu_s) : 0.0;
    t.server_run_wait = same ? std::max(0.0, s.run_wait_s - state.last_server.run_wait_s) : 0.0;
    t.tool_cpu = tool.cpu_s - state.last_tool.cpu_s;
    t.tool_run_wait = tool.run_wait_s - state.last_tool.run_wait_s;
    t.server_rss_kb = s.rss_kb;
    t.connections = world.connected;
    t.ops_acked = world.ops_acked;
    world.metrics.tick(t);
    state.last_server = s;
    state.last_tool = tool;
    state.last_pid = p;
    schedule_ticks(world, timer, state);
  });
}

// Measures how late the event loop runs a timer, every 20 ms.
void schedule_lag_probe(World& world, asio::steady_timer& timer) {
  auto due = Clock::now() + std::chrono::milliseconds(20);
  timer.expires_at(due);
  timer.async_wait([&world, &timer, due](boost::system::error_code ec) {
    if (ec) return;
    // Only while typing: the end-of-run checks block the loop on purpose.
    auto late = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - due).count();
    if (world.typing) world.metrics.record(Kind::loop_lag, now_us(), late);
    schedule_lag_probe(world, timer);
  });
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (int parsed = parse_options(argc, argv, o); parsed != 0) return parsed < 0 ? 0 : parsed;
  now_us();  // starts the run clock
  std::string load_at_start = bench::load_average();

  Metrics metrics;
  asio::io_context io;
  World world(o, io, metrics);
  try {
    world.traces = load_traces(o.traces_dir, o.trace_keys);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return kNoTraces;
  }
  std::printf("loaded %zu traces from %s\n", world.traces.size(), o.traces_dir.c_str());

  // The server: started here, or a running one.
  std::unique_ptr<ServerProcess> server;
  std::filesystem::path scratch;
  if (!o.server_bin.empty()) {
    std::string data_dir = o.data_dir;
    std::string log_path;
    if (data_dir.empty()) {
      char pattern[] = "/tmp/tandem-load-XXXXXX";
      if (::mkdtemp(pattern) == nullptr) {
        std::cerr << "cannot create a temporary directory\n";
        return 1;
      }
      scratch = pattern;
      data_dir = (scratch / "data").string();
      log_path = (scratch / "server.log").string();
    } else {
      log_path = data_dir + ".server.log";
    }
    server = std::make_unique<ServerProcess>(ServerSpec{o.server_bin, data_dir, o.secret, o.api_key, log_path, {}});
    if (std::string error = server->spawn(); !error.empty()) {
      std::cerr << error << "\n";
      return 1;
    }
    int port = 0;
    for (int i = 0; i < 1000 && (port = server->poll_port()) == 0; ++i) usleep(20'000);
    if (port <= 0) {
      std::cerr << "the server did not start; log: " << log_path << "\n";
      return 1;
    }
    world.endpoint = {asio::ip::make_address(o.host), static_cast<std::uint16_t>(port)};
    std::printf("started %s on port %d, data in %s, log %s\n", o.server_bin.c_str(), port, data_dir.c_str(),
                log_path.c_str());
  } else {
    world.endpoint = {asio::ip::make_address(o.host), o.port};
  }
  auto server_pid = [&] { return server ? static_cast<int>(server->pid()) : o.server_pid; };

  asio::io_context setup_io;
  std::string owner;
  try {
    owner = set_up(world, setup_io);
  } catch (const std::exception& e) {
    std::cerr << "setup failed: " << e.what() << "\n";
    return 1;
  }
  std::printf("workspace %s: %d members, %d documents\n", world.workspace.c_str(), o.users, o.documents);

  HttpWorker searches(o.host, 200);
  HttpWorker inbox(o.host, 2000);
  searches.set_port(world.endpoint.port());
  inbox.set_port(world.endpoint.port());
  if (o.search_every_s > 0) world.searches = &searches;
  if (o.notifications) world.inbox = &inbox;

  // Users: the first hot_editors in the meeting document, the others spread over the rest.
  std::vector<std::shared_ptr<User>> users;
  for (int i = 0; i < o.users; ++i) {
    bool hot = i < o.hot_editors || o.documents == 1;
    int doc = hot ? 0 : 1 + (i - o.hot_editors) % (o.documents - 1);
    users.push_back(std::make_shared<User>(world, i, doc, hot));
  }
  asio::steady_timer tick_timer(io);
  TickState tick_state{server_pid};
  tick_state.last_tool = bench::sample_process(static_cast<int>(getpid()));
  schedule_ticks(world, tick_timer, tick_state);
  asio::steady_timer lag_timer(io);
  schedule_lag_probe(world, lag_timer);

  // Connect, a bounded number of handshakes at a time.
  int started = 0;
  int ready = 0;
  std::function<void()> start_next = [&] {
    while (started < o.users && started - ready < o.connect_concurrency) {
      users[static_cast<std::size_t>(started++)]->start([&] {
        ++ready;
        start_next();
      });
    }
  };
  start_next();
  if (!run_until(io, std::chrono::seconds(120), [&] { return ready == o.users; })) {
    std::cerr << "only " << ready << " of " << o.users << " users connected and opened their document in 120 s\n";
    return 1;
  }
  std::printf("%d users connected; editing for %d + %d s\n", ready, o.warmup_s, o.duration_s);

  // Edit: warm-up, then the measured window; kills fall inside it.
  Chaos chaos;
  chaos.server = server.get();
  chaos.workers = {&searches, &inbox};
  std::int64_t edit_start = now_us();
  if (o.chaos) schedule_kills(world, chaos, edit_start);
  world.typing = true;
  for (auto& u : users) u->begin_activity();
  run_for(io, std::chrono::seconds(o.warmup_s));
  metrics.measure_from(now_us());
  auto edit_end = run_start() + std::chrono::microseconds(edit_start) + std::chrono::seconds(o.warmup_s + o.duration_s);
  while (Clock::now() < edit_end && !chaos.failed) {
    run_for(io, std::min<std::chrono::milliseconds>(std::chrono::milliseconds(200),
                                                    std::chrono::duration_cast<std::chrono::milliseconds>(
                                                        edit_end - Clock::now()) + std::chrono::milliseconds(1)));
  }
  world.typing = false;
  std::int64_t edit_stop = now_us();
  std::printf("editing stopped after %.1f s; %lld ops acknowledged\n", static_cast<double>(edit_stop - edit_start) / 1e6,
              static_cast<long long>(world.ops_acked));

  // Drain: every local edit acknowledged, then every replica at the server's version.
  Verification verification;
  json::object extra;
  auto settle = std::chrono::seconds(o.settle_s);
  bool drained = run_until(io, settle, [&] {
    return world.server_up && std::all_of(users.begin(), users.end(), [](auto& u) { return u->idle(); });
  });
  if (!drained) verification.violate("local edits still unacknowledged after the settle time");
  searches.stop();
  inbox.stop();
  if (searches.failed_jobs() > 0) metrics.error("search_failed", searches.failed_jobs());
  if (inbox.failed_jobs() > 0) metrics.error("inbox_probe_failed", inbox.failed_jobs());
  std::vector<std::int64_t> versions;
  try {
    bench::Rest rest(setup_io, world.endpoint, o.host);
    versions = server_versions(world, rest, owner);
    bool converged = run_until(io, settle, [&] {
      return std::all_of(users.begin(), users.end(), [&](auto& u) {
        return u->replica().loaded && u->replica().version >= versions[static_cast<std::size_t>(u->replica().doc)];
      });
    });
    extra["converged_in_s"] = static_cast<double>(now_us() - edit_stop) / 1e6;
    if (!converged) std::printf("some replicas did not reach the server's version in %d s\n", o.settle_s);
    verify_documents(world, users, rest, owner, verification);
    if (o.notifications) verify_notifications(world, rest, versions, o.settle_s, verification);
  } catch (const std::exception& e) {
    verification.violate(std::string("verification could not read the server: ") + e.what());
  }
  if (chaos.failed) verification.violate("the server could not be restarted after a kill");
  for (auto& u : users) u->close();
  run_for(io, std::chrono::milliseconds(200));

  if (server) {
    int status = server->stop(30);
    extra["server_exit_status"] = status;
    if (status != 0) verification.violate("the server exited with status " + std::to_string(status) + " on SIGTERM");
  }
  extra["notifications_checked"] = o.notifications;
  extra["load_average_at_start"] = load_at_start.substr(0, load_at_start.find('\n'));
  json::object report = build_report(world, metrics, verification, extra);
  std::ofstream(o.report_path) << json::serialize(report) << "\n";
  print_summary(report);
  std::string title = std::to_string(o.users) + " users, " + std::to_string(o.documents) + " documents" +
                      (o.chaos ? ", " + std::to_string(metrics.kills_ms().size()) + " kills" : "");
  if (std::string why = draw_chart(metrics, o.chart_path, title); !why.empty()) {
    std::printf("no chart: %s\n", why.c_str());
  } else {
    std::printf("report %s, chart %s\n", o.report_path.c_str(), o.chart_path.c_str());
  }
  if (!scratch.empty() && verification.violation_count == 0) {
    std::error_code ec;
    std::filesystem::remove_all(scratch, ec);
  } else if (!scratch.empty()) {
    std::printf("kept the server's data and log in %s\n", scratch.c_str());
  }
  return verification.violation_count == 0 ? 0 : 1;
}
