// Group commit throughput of the SQLite writer alone: many small writes (one
// row each, about the size of an op log entry) submitted asynchronously, each
// acknowledged after its batch's COMMIT with synchronous=FULL. Reports writes/s,
// acknowledgement latency and the mean batch size. See BENCHMARKS.md.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <random>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "storage/sqlite/connection.h"
#include "storage/sqlite/writer.h"

namespace {

using namespace tandem;
using namespace tandem::storage::sqlite;
using Clock = std::chrono::steady_clock;

struct Settings {
  int threads = 4;
  int in_flight = 256;  // pending writes per submitting thread
  int writes = 200000;
  double time_limit_s = 30;
};

std::unique_ptr<Connection> open_database(const std::string& path) {
  auto connection = Connection::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 5000);
  if (!connection ||
      !(*connection)->exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                           "CREATE TABLE ops (doc INTEGER, version INTEGER, op TEXT,"
                           " PRIMARY KEY (doc, version)) WITHOUT ROWID")) {
    std::fprintf(stderr, "cannot create %s\n", path.c_str());
    std::exit(1);
  }
  return std::move(*connection);
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  CLI::App app{"Tandem storage writer benchmark: group commit of small writes"};
  app.add_option("--threads", settings.threads, "submitting threads");
  app.add_option("--in-flight", settings.in_flight, "pending writes per thread");
  app.add_option("--writes", settings.writes, "writes in total");
  app.add_option("--time-limit", settings.time_limit_s, "stop submitting after this, seconds");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);

  const auto dir = std::filesystem::temp_directory_path() /
                   fmt::format("tandem-writer-bench-{}", std::random_device{}());
  std::filesystem::create_directories(dir);

  std::atomic<std::size_t> commits{0};
  WriterOptions options;
  options.on_commit = [&](std::chrono::nanoseconds, std::size_t) { ++commits; };
  auto writer = std::make_unique<Writer>(open_database((dir / "writer.db").string()), options);

  std::mutex latencies_mutex;
  std::vector<double> latencies;
  latencies.reserve(static_cast<std::size_t>(settings.writes));
  std::atomic<int> failures{0};
  std::atomic<int> next{0};
  const auto deadline =
      Clock::now() + std::chrono::milliseconds(static_cast<long>(settings.time_limit_s * 1000));
  const std::string op = R"([{"p":["blocks",0,"text",17],"si":"x"}])";

  const auto started = Clock::now();
  // The semaphores outlive the writer, whose callbacks release them.
  using Slots = std::counting_semaphore<1 << 20>;
  std::vector<std::unique_ptr<Slots>> all_slots;
  for (int t = 0; t < settings.threads; ++t) {
    all_slots.push_back(std::make_unique<Slots>(settings.in_flight));
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < settings.threads; ++t) {
    threads.emplace_back([&, t] {
      Slots& slots = *all_slots[static_cast<std::size_t>(t)];
      int mine = 0;
      for (int i = next++; i < settings.writes && Clock::now() < deadline; i = next++) {
        slots.acquire();
        ++mine;
        const auto submitted = Clock::now();
        writer->submit(
            [i, &op](Connection& connection) -> Status {
              auto insert = connection.prepare("INSERT INTO ops VALUES (?1, ?2, ?3)");
              if (!insert) {
                return std::unexpected(insert.error());
              }
              return insert->bind(1, std::int64_t{i % 100}).bind(2, std::int64_t{i}).bind(3, op).run();
            },
            [&, submitted](const Status& status) {
              const double ms =
                  std::chrono::duration<double, std::milli>(Clock::now() - submitted).count();
              failures += status ? 0 : 1;
              {
                std::lock_guard lock(latencies_mutex);
                latencies.push_back(ms);
              }
              slots.release();
            });
      }
      // Wait until every write of this thread is acknowledged.
      for (int k = 0; k < settings.in_flight; ++k) {
        slots.acquire();
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  writer.reset();
  std::filesystem::remove_all(dir);

  std::sort(latencies.begin(), latencies.end());
  const auto at = [&](double q) {
    return latencies.empty()
               ? 0.0
               : latencies[std::min(latencies.size() - 1,
                                    static_cast<std::size_t>(q * static_cast<double>(latencies.size())))];
  };
  std::printf("| threads | in flight, all threads | writes | writes/s | ack p50 ms | ack p99 ms | mean batch | failures |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  std::printf("| %d | %d | %zu | %.0f | %.2f | %.2f | %.1f | %d |\n", settings.threads,
              settings.threads * settings.in_flight, latencies.size(),
              static_cast<double>(latencies.size()) / seconds, at(0.5), at(0.99),
              commits ? static_cast<double>(latencies.size()) / static_cast<double>(commits) : 0.0,
              failures.load());
  return failures.load() == 0 ? 0 : 1;
}
