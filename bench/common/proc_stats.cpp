#include "proc_stats.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

#include <unistd.h>

namespace tandem::bench {

namespace {

// Sums the run-queue wait of every thread of `pid` from /proc/PID/task/*/schedstat.
double run_queue_wait_s(int pid) {
  std::int64_t total_ns = 0;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream schedstat(task.path() / "schedstat");
    std::int64_t on_cpu_ns = 0;
    std::int64_t waiting_ns = 0;
    if (schedstat >> on_cpu_ns >> waiting_ns) total_ns += waiting_ns;
  }
  return static_cast<double>(total_ns) / 1e9;
}

}  // namespace

ProcessSample sample_process(int pid) {
  ProcessSample s;
  if (pid <= 0) return s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content((std::istreambuf_iterator<char>(stat)), {});
  std::size_t close = content.rfind(')');
  if (close != std::string::npos && close + 2 < content.size()) {
    std::istringstream rest(content.substr(close + 2));
    std::vector<std::string> fields;
    for (std::string field; rest >> field;) fields.push_back(field);
    if (fields.size() > 13) {
      double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
      s.cpu_s = (std::stod(fields[11]) + std::stod(fields[12])) / ticks;
    }
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kb = std::stol(line.substr(6));
  }
  s.run_wait_s = run_queue_wait_s(pid);
  return s;
}

std::string load_average() {
  std::ifstream file("/proc/loadavg");
  std::string line;
  std::getline(file, line);
  return line + "\n";
}

}  // namespace tandem::bench
