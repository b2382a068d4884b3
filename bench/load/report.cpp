#include "report.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include <unistd.h>

#include <boost/json.hpp>

#include "common/percentile.h"

namespace tandem::load {

namespace json = boost::json;
using bench::percentile_ms;

namespace {

json::object summarize(std::vector<std::uint32_t> sorted) {
  return {{"count", sorted.size()},
          {"p50_ms", percentile_ms(sorted, 0.50)},
          {"p90_ms", percentile_ms(sorted, 0.90)},
          {"p99_ms", percentile_ms(sorted, 0.99)},
          {"max_ms", sorted.empty() ? 0.0 : sorted.back() / 1000.0}};
}

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

long memory_kb() {
  std::ifstream meminfo("/proc/meminfo");
  std::string name;
  long kb = 0;
  meminfo >> name >> kb;
  return kb;
}

// Latencies of one kind grouped by the second they were taken in, each group sorted.
std::map<std::uint32_t, std::vector<std::uint32_t>> per_second(const std::vector<Sample>& samples) {
  std::map<std::uint32_t, std::vector<std::uint32_t>> buckets;
  for (const Sample& s : samples) buckets[s.at_ms / 1000].push_back(s.latency_us);
  for (auto& [second, values] : buckets) std::sort(values.begin(), values.end());
  return buckets;
}

}  // namespace

json::object build_report(const World& world, const Metrics& metrics, const Verification& verification,
                          const json::object& extra) {
  const Options& o = world.o;
  json::object report;
  report["tool"] = "tandem-load";
  report["settings"] = json::object{
      {"users", o.users}, {"documents", o.documents}, {"hot_editors", o.hot_editors},
      {"op_rate_per_user", o.op_rate}, {"warmup_s", o.warmup_s}, {"duration_s", o.duration_s},
      {"cursor_interval_s", o.cursor_interval_s}, {"search_every_s", o.search_every_s},
      {"mention_every_s", o.mention_every_s}, {"assign_every_s", o.assign_every_s},
      {"switch_every_s", o.switch_every_s}, {"notifications", o.notifications}, {"chaos", o.chaos},
      {"kills", o.chaos ? o.kills : 0}, {"seed", o.seed}, {"traces", o.traces_dir}};
  report["machine"] = json::object{{"cpus", std::thread::hardware_concurrency()},
                                   {"cpu_model", cpu_model()},
                                   {"memory_kb", memory_kb()},
                                   {"load_average_at_end", [] {
                                      std::ifstream f("/proc/loadavg");
                                      std::string l;
                                      std::getline(f, l);
                                      return l;
                                    }()}};
  json::object latency;
  for (std::size_t k = 0; k < kKindNames.size(); ++k) {
    latency[kKindNames[k]] = summarize(metrics.sorted(static_cast<Kind>(k)));
  }
  report["latency"] = std::move(latency);
  json::object errors;
  for (const auto& [kind, count] : metrics.errors()) errors[kind] = count;
  report["errors"] = std::move(errors);
  json::object events;
  for (const auto& [kind, count] : metrics.events()) events[kind] = count;
  report["events"] = std::move(events);

  double cpu_sum = 0;
  double wait_sum = 0;
  double tool_sum = 0;
  double tool_wait_sum = 0;
  double cpu_max = 0;
  long rss_max = 0;
  int connections_max = 0;
  std::size_t measured = 0;
  json::array series;
  auto window_ms = static_cast<std::uint32_t>(metrics.window_start_us() / 1000);
  for (const Tick& t : metrics.ticks()) {
    series.push_back(json::array{t.at_ms / 1000.0, t.server_cpu, t.server_rss_kb, t.connections, t.ops_acked,
                                 t.server_run_wait, t.tool_cpu, t.tool_run_wait});
    rss_max = std::max(rss_max, t.server_rss_kb);
    connections_max = std::max(connections_max, t.connections);
    if (t.at_ms >= window_ms) {
      cpu_sum += t.server_cpu;
      wait_sum += t.server_run_wait;
      tool_sum += t.tool_cpu;
      tool_wait_sum += t.tool_run_wait;
      cpu_max = std::max(cpu_max, t.server_cpu);
      ++measured;
    }
  }
  double n = measured ? static_cast<double>(measured) : 1.0;
  report["load_tool_cpu_mean_cores"] = tool_sum / n;
  report["load_tool_run_queue_wait_s_per_s"] = tool_wait_sum / n;
  report["server"] = json::object{{"cpu_mean_cores", cpu_sum / n},
                                  {"run_queue_wait_s_per_s", wait_sum / n},
                                  {"cpu_max_cores", cpu_max},
                                  {"rss_max_kb", rss_max},
                                  {"connections_max", connections_max},
                                  {"ops_acked", world.ops_acked}};
  report["ticks_columns"] = json::array{"t_s",       "server_cpu_cores",       "server_rss_kb",     "connections",
                                       "ops_acked", "server_run_queue_wait_s", "load_tool_cpu_cores",
                                       "load_tool_run_queue_wait_s"};
  report["ticks"] = std::move(series);

  json::object over_time;
  for (Kind kind : {Kind::ack, Kind::broadcast, Kind::cursor, Kind::search, Kind::loop_lag}) {
    json::array rows;
    for (const auto& [second, values] : per_second(metrics.samples(kind))) {
      rows.push_back(json::array{second, percentile_ms(values, 0.5), percentile_ms(values, 0.99), values.size()});
    }
    over_time[kKindNames[static_cast<int>(kind)]] = std::move(rows);
  }
  report["per_second_columns"] = json::array{"t_s", "p50_ms", "p99_ms", "count"};
  report["per_second"] = std::move(over_time);
  json::array kills;
  for (std::uint32_t ms : metrics.kills_ms()) kills.push_back(ms / 1000.0);
  report["kills_at_s"] = std::move(kills);
  report["measured_from_s"] = static_cast<double>(metrics.window_start_us()) / 1e6;

  json::object checks;
  for (const auto& [name, count] : verification.counts) checks[name] = count;
  json::array violations;
  for (const std::string& v : verification.violations) violations.push_back(json::string(v));
  report["verification"] = json::object{{"passed", verification.violation_count == 0},
                                        {"violation_count", verification.violation_count},
                                        {"violations", std::move(violations)},
                                        {"counts", std::move(checks)}};
  for (const auto& [key, value] : extra) report[key] = value;
  return report;
}

void print_summary(const json::object& report) {
  const json::object& s = report.at("settings").as_object();
  std::printf("tandem-load: %lld users, %lld documents, %lld in the meeting document, %s\n",
              static_cast<long long>(s.at("users").as_int64()), static_cast<long long>(s.at("documents").as_int64()),
              static_cast<long long>(s.at("hot_editors").as_int64()),
              s.at("chaos").as_bool() ? "chaos mode" : "no kills");
  for (const auto& [kind, value] : report.at("latency").as_object()) {
    const json::object& l = value.as_object();
    std::printf("  %-13s n=%-8lld p50 %8.2f ms  p99 %8.2f ms  max %8.2f ms\n", std::string(kind).c_str(),
                static_cast<long long>(l.at("count").to_number<std::int64_t>()), l.at("p50_ms").as_double(),
                l.at("p99_ms").as_double(), l.at("max_ms").as_double());
  }
  const json::object& server = report.at("server").as_object();
  std::printf("  server: CPU mean %.2f cores (max %.2f), waited for a CPU %.2f s/s, RSS max %lld KB, connections "
              "max %lld, ops acknowledged %lld; load tool CPU %.2f cores, waited for a CPU %.2f s/s\n",
              server.at("cpu_mean_cores").as_double(), server.at("cpu_max_cores").as_double(),
              server.at("run_queue_wait_s_per_s").as_double(),
              static_cast<long long>(server.at("rss_max_kb").as_int64()),
              static_cast<long long>(server.at("connections_max").as_int64()),
              static_cast<long long>(server.at("ops_acked").as_int64()),
              report.at("load_tool_cpu_mean_cores").as_double(),
              report.at("load_tool_run_queue_wait_s_per_s").as_double());
  std::printf("  errors:");
  for (const auto& [kind, count] : report.at("errors").as_object()) {
    std::printf(" %s=%lld", std::string(kind).c_str(), static_cast<long long>(count.as_int64()));
  }
  std::printf("\n  events:");
  for (const auto& [kind, count] : report.at("events").as_object()) {
    std::printf(" %s=%lld", std::string(kind).c_str(), static_cast<long long>(count.as_int64()));
  }
  std::printf("\n  kills at s: %s\n", json::serialize(report.at("kills_at_s")).c_str());
  if (const json::value* load = report.if_contains("load_average_at_start")) {
    std::printf("  load average at start: %s, at end: %s\n", std::string(load->as_string()).c_str(),
                std::string(report.at("machine").at("load_average_at_end").as_string()).c_str());
  }
  const json::object& v = report.at("verification").as_object();
  std::printf("  verification: %s; counts %s\n", v.at("passed").as_bool() ? "PASSED" : "FAILED",
              json::serialize(v.at("counts")).c_str());
  for (const json::value& violation : v.at("violations").as_array()) {
    std::printf("  VIOLATION: %s\n", std::string(violation.as_string()).c_str());
  }
}

std::string draw_chart(const Metrics& metrics, const std::string& svg_path, const std::string& title) {
  std::string data_path = svg_path + ".dat";
  std::string script_path = svg_path + ".gp";
  {
    std::ofstream data(data_path);
    data << "# t_s broadcast_p50 broadcast_p99 ack_p99 cursor_p99\n";
    auto broadcast = per_second(metrics.samples(Kind::broadcast));
    auto ack = per_second(metrics.samples(Kind::ack));
    auto cursor = per_second(metrics.samples(Kind::cursor));
    auto value = [](const auto& buckets, std::uint32_t second, double p) -> std::string {
      auto it = buckets.find(second);
      return it == buckets.end() ? "NaN" : std::to_string(percentile_ms(it->second, p));
    };
    std::uint32_t last = 0;
    for (const auto* b : {&broadcast, &ack, &cursor}) {
      if (!b->empty()) last = std::max(last, b->rbegin()->first);
    }
    for (std::uint32_t t = 0; t <= last; ++t) {
      data << t << ' ' << value(broadcast, t, 0.5) << ' ' << value(broadcast, t, 0.99) << ' ' << value(ack, t, 0.99)
           << ' ' << value(cursor, t, 0.99) << '\n';
    }
  }
  {
    std::ofstream gp(script_path);
    gp << "set terminal svg size 1000,500 dynamic background '#ffffff'\n"
       << "set output '" << svg_path << "'\n"
       << "set title '" << title << "'\n"
       << "set xlabel 'seconds since start'\nset ylabel 'latency (ms, log scale)'\n"
       << "set logscale y\nset grid\nset key top left\n";
    int n = 0;
    for (std::uint32_t ms : metrics.kills_ms()) {
      gp << "set arrow " << ++n << " from " << ms / 1000.0 << ", graph 0 to " << ms / 1000.0
         << ", graph 1 nohead lc rgb 'red' dt 2\n";
    }
    double window = static_cast<double>(metrics.window_start_us()) / 1e6;
    gp << "set arrow " << ++n << " from " << window << ", graph 0 to " << window
       << ", graph 1 nohead lc rgb 'gray' dt 3\n";
    gp << "plot '" << data_path << "' using 1:3 with lines lw 2 title 'broadcast p99', "
       << "'' using 1:2 with lines title 'broadcast p50', "
       << "'' using 1:4 with lines title 'op ack p99', "
       << "'' using 1:5 with lines title 'cursor p99', "
       << "NaN with lines lc rgb 'red' dt 2 title 'kill -9'\n";
  }
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
    return "gnuplot is not installed (scripts/install-deps installs gnuplot-nox); data in " + data_path;
  }
  std::string command = "gnuplot '" + script_path + "' 2>&1";
  if (std::system(command.c_str()) != 0) return "gnuplot failed on " + script_path;
  return "";
}

}  // namespace tandem::load
