// Op commit throughput of the SQLite store: Store::commit_op with many
// commits in flight, each acknowledged by its completion after the group
// COMMIT (synchronous=FULL). Every submitting thread owns a set of documents
// and commits to them round-robin with contiguous versions, as per-document
// commit pipelines do. Reports commits/s, acknowledgement latency and the mean
// batch size. See BENCHMARKS.md.
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

#include "storage/store.h"

namespace {

using namespace tandem;
using namespace tandem::storage;
using Clock = std::chrono::steady_clock;

struct Settings {
  int threads = 4;
  int documents = 100;
  int in_flight = 256;  // pending commits per submitting thread
  int ops = 200000;
  int snapshot_every = 0;  // store a snapshot with every Nth version; 0 = never
  double time_limit_s = 30;
};

// Latencies of acknowledged commits, in milliseconds.
class Latencies {
 public:
  void add(double ms) {
    std::lock_guard lock(mutex_);
    values_.push_back(ms);
  }

  // Sorts and returns every value; call after all commits completed.
  std::vector<double> sorted() {
    std::lock_guard lock(mutex_);
    std::sort(values_.begin(), values_.end());
    return values_;
  }

 private:
  std::mutex mutex_;
  std::vector<double> values_;
};

double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) {
    return 0;
  }
  const auto index = static_cast<std::size_t>(q * static_cast<double>(sorted.size()));
  return sorted[std::min(sorted.size() - 1, index)];
}

std::unique_ptr<Store> open_store(const std::filesystem::path& path,
                                  std::atomic<std::size_t>& commits) {
  SqliteOptions options;
  options.path = path.string();
  options.on_commit = [&commits](std::chrono::nanoseconds, std::size_t) { ++commits; };
  auto store = open_sqlite_store(options);
  if (!store) {
    std::fprintf(stderr, "cannot open %s: %s\n", options.path.c_str(),
                 store.error().message.c_str());
    std::exit(1);
  }
  return std::move(*store);
}

void create_documents(Store& store, int count) {
  if (!store.create_workspace(Workspace{"w1", "Bench", "u1", 1})) {
    std::fprintf(stderr, "cannot create the workspace\n");
    std::exit(1);
  }
  for (int d = 0; d < count; ++d) {
    const std::string id = fmt::format("d{}", d);
    auto created = store.create_document(
        NewDocument{id, "w1", id, R"({"blocks":[{"text":""}]})", {"bench"}, "u1", 1});
    if (!created) {
      std::fprintf(stderr, "cannot create %s: %s\n", id.c_str(), created.error().message.c_str());
      std::exit(1);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  CLI::App app{"Tandem op commit benchmark: Store::commit_op through the group-commit writer"};
  app.add_option("--threads", settings.threads, "submitting threads")->check(CLI::Range(1, 64));
  app.add_option("--documents", settings.documents, "documents, split between the threads")
      ->check(CLI::Range(1, 100000));
  app.add_option("--in-flight", settings.in_flight, "pending commits per thread")
      ->check(CLI::Range(1, 100000));
  app.add_option("--ops", settings.ops, "op commits in total")->check(CLI::Range(1, 100000000));
  app.add_option("--snapshot-every", settings.snapshot_every,
                 "store a snapshot with every Nth version of a document; 0 for none");
  app.add_option("--time-limit", settings.time_limit_s, "stop submitting after this, seconds");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);
  settings.documents = std::max(settings.documents, settings.threads);

  const auto dir = std::filesystem::temp_directory_path() /
                   fmt::format("tandem-ops-bench-{}", std::random_device{}());
  std::filesystem::create_directories(dir);
  std::atomic<std::size_t> commits{0};
  std::unique_ptr<Store> store = open_store(dir / "ops.db", commits);
  create_documents(*store, settings.documents);
  commits = 0;

  Latencies latencies;
  std::atomic<int> failures{0};
  std::atomic<int> next{0};
  const auto deadline =
      Clock::now() + std::chrono::milliseconds(static_cast<long>(settings.time_limit_s * 1000));
  const std::string op_json = R"([{"p":["blocks",0,"text",0],"si":"x"}])";
  const std::string snapshot_json = R"({"blocks":[{"text":"snapshot text of a short document"}]})";

  // The semaphores outlive the store, whose completions release them.
  using Slots = std::counting_semaphore<1 << 20>;
  std::vector<std::unique_ptr<Slots>> all_slots;
  for (int t = 0; t < settings.threads; ++t) {
    all_slots.push_back(std::make_unique<Slots>(settings.in_flight));
  }

  const auto started = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < settings.threads; ++t) {
    threads.emplace_back([&, t] {
      Slots& slots = *all_slots[static_cast<std::size_t>(t)];
      // This thread's documents and their next versions.
      std::vector<int> documents;
      for (int d = t; d < settings.documents; d += settings.threads) {
        documents.push_back(d);
      }
      std::vector<std::int64_t> versions(documents.size(), 1);
      const std::string client = fmt::format("bench{}", t);

      std::size_t turn = 0;
      for (int i = next++; i < settings.ops && Clock::now() < deadline; i = next++) {
        slots.acquire();
        const std::size_t slot = turn++ % documents.size();
        const std::int64_t version = versions[slot]++;
        OpCommit commit{OpRecord{fmt::format("d{}", documents[slot]), version, op_json, "u1",
                                 client, i, 1000 + i},
                        std::nullopt};
        if (settings.snapshot_every > 0 && version % settings.snapshot_every == 0) {
          commit.snapshot_json = snapshot_json;
        }
        const auto submitted = Clock::now();
        store->commit_op(std::move(commit), [&, submitted](const Status& status) {
          latencies.add(std::chrono::duration<double, std::milli>(Clock::now() - submitted).count());
          if (!status && failures++ == 0) {
            std::fprintf(stderr, "commit failed: %s\n", status.error().message.c_str());
          }
          slots.release();
        });
      }
      // Wait until every commit of this thread is acknowledged.
      for (int k = 0; k < settings.in_flight; ++k) {
        slots.acquire();
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  store.reset();
  std::filesystem::remove_all(dir);

  const std::vector<double> sorted = latencies.sorted();
  const auto acknowledged = static_cast<double>(sorted.size());
  std::printf("| threads | documents | in flight, all threads | snapshot every | commits | "
              "commits/s | ack p50 ms | ack p99 ms | mean batch | failures |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  std::printf("| %d | %d | %d | %d | %zu | %.0f | %.2f | %.2f | %.1f | %d |\n", settings.threads,
              settings.documents, settings.threads * settings.in_flight, settings.snapshot_every,
              sorted.size(), acknowledged / seconds, quantile(sorted, 0.5), quantile(sorted, 0.99),
              commits ? acknowledged / static_cast<double>(commits.load()) : 0.0, failures.load());
  return failures.load() == 0 ? 0 : 1;
}
