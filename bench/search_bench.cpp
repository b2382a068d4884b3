// Search and write benchmark for the SQLite store.
//
// Builds (or reuses) a store with the corpus from bench/search_corpus.py
// spread over 10 workspaces with tags, measures document create and update
// throughput, then search latency per query class, sort and tag filter.
// Every loop is bounded by a count and by --time-limit. Results and the exact
// command are recorded in BENCHMARKS.md.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <ctime>
#include <unordered_map>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "storage/store.h"

namespace {

using namespace tandem;
using namespace tandem::storage;
using Clock = std::chrono::steady_clock;

struct Paragraph {
  std::string title;
  std::string text;
  std::string source;
};

struct Settings {
  std::string corpus;
  std::string db;
  int documents = 100000;
  int workspaces = 10;
  int writer_threads = 4;
  int updates = 5000;
  int queries = 200;
  int seed = 42;
  double time_limit_s = 900;
  bool verbose = false;
};

std::vector<Paragraph> load_corpus(const std::string& path, int limit) {
  std::ifstream input(path);
  std::vector<Paragraph> corpus;
  std::string line;
  while (static_cast<int>(corpus.size()) < limit && std::getline(input, line)) {
    boost::json::object row = boost::json::parse(line).as_object();
    corpus.push_back({std::string(row["title"].as_string()), std::string(row["text"].as_string()),
                      std::string(row["source"].as_string())});
  }
  return corpus;
}

std::string content_json(const Paragraph& paragraph) {
  boost::json::object block{{"type", "paragraph"}, {"text", paragraph.text}};
  boost::json::object content{{"blocks", boost::json::array{block}}};
  return boost::json::serialize(content);
}

std::string workspace_id(int index) { return fmt::format("w{}", index); }

// Tags: the man section (or "trace") and one of seven topic tags.
std::vector<std::string> tags_for(const Paragraph& paragraph, int index) {
  return {paragraph.source, fmt::format("t{}", index % 7)};
}

bool deadline_passed(Clock::time_point deadline) { return Clock::now() > deadline; }

// CPU time of the calling thread in milliseconds. Unlike wall time it leaves
// out time spent waiting for a core, which dominates the tail on a busy
// shared machine.
double thread_cpu_ms() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
}

// Runs `count` calls of `work(i)` over `threads` threads; returns calls/s.
template <class Work>
double run_parallel(int count, int threads, Clock::time_point deadline, Work work,
                    int* done_out) {
  std::atomic<int> next{0};
  std::atomic<int> done{0};
  const auto started = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = next++; i < count && !deadline_passed(deadline); i = next++) {
        if (work(i)) {
          ++done;
        }
      }
    });
  }
  for (std::thread& thread : pool) {
    thread.join();
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  *done_out = done.load();
  return done.load() / seconds;
}

void build(Store& store, const std::vector<Paragraph>& corpus, const Settings& settings,
           Clock::time_point deadline) {
  for (int w = 0; w < settings.workspaces; ++w) {
    if (!store.create_workspace(Workspace{workspace_id(w), "bench", "u_bench", 1})) {
      std::fprintf(stderr, "cannot create workspace %d\n", w);
      std::exit(1);
    }
  }
  std::atomic<std::int64_t> clock{1'700'000'000'000};
  int done = 0;
  const double rate = run_parallel(
      static_cast<int>(corpus.size()), settings.writer_threads, deadline,
      [&](int i) {
        const Paragraph& paragraph = corpus[static_cast<std::size_t>(i)];
        auto created = store.create_document(NewDocument{
            fmt::format("d{}", i), workspace_id(i % settings.workspaces), paragraph.title,
            content_json(paragraph), tags_for(paragraph, i), "u_bench", clock++});
        return created.has_value();
      },
      &done);
  std::printf("| create, %d threads (group commit) | %d documents | %.0f /s |\n",
              settings.writer_threads, done, rate);
}

void measure_writes(Store& store, const Settings& settings, Clock::time_point deadline) {
  std::mt19937 random(static_cast<unsigned>(settings.seed));
  std::vector<int> targets(static_cast<std::size_t>(settings.updates));
  for (int& target : targets) {
    target = static_cast<int>(random() % static_cast<unsigned>(settings.documents));
  }
  int done = 0;
  double rate = run_parallel(
      settings.updates, settings.writer_threads, deadline,
      [&](int i) {
        auto updated = store.update_document_meta(
            fmt::format("d{}", targets[static_cast<std::size_t>(i)]),
            DocumentMetaUpdate{fmt::format("renamed {}", i), std::nullopt, "u_bench",
                               1'800'000'000'000 + i});
        return updated.has_value();
      },
      &done);
  std::printf("| update title, %d threads (group commit) | %d updates | %.0f /s |\n",
              settings.writer_threads, done, rate);

  const int sequential = std::min(500, settings.updates);
  rate = run_parallel(
      sequential, 1, deadline,
      [&](int i) {
        auto updated = store.update_document_meta(
            fmt::format("d{}", targets[static_cast<std::size_t>(i)]),
            DocumentMetaUpdate{std::nullopt, std::vector<std::string>{"seq"}, "u_bench",
                               1'900'000'000'000 + i});
        return updated.has_value();
      },
      &done);
  std::printf("| update tags, 1 thread (one fsync each) | %d updates | %.0f /s |\n", done, rate);
}

// Lowercase ASCII words of at least `min_length` letters.
std::vector<std::string> words_of(const std::string& text, std::size_t min_length) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text + " ") {
    if (std::isalpha(static_cast<unsigned char>(c))) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      if (word.size() >= min_length) {
        words.push_back(word);
      }
      word.clear();
    }
  }
  return words;
}

std::map<std::string, std::vector<std::string>> query_classes(
    const std::vector<Paragraph>& corpus, std::mt19937& random) {
  // Document frequency of each word, for picking rare words.
  std::unordered_map<std::string, int> frequency;
  for (const Paragraph& paragraph : corpus) {
    std::vector<std::string> words = words_of(paragraph.text, 5);
    std::sort(words.begin(), words.end());
    words.erase(std::unique(words.begin(), words.end()), words.end());
    for (const std::string& word : words) {
      ++frequency[word];
    }
  }
  std::vector<std::string> rare;
  for (const auto& [word, count] : frequency) {
    if (count >= 2 && count <= 20) {
      rare.push_back(word);
    }
  }
  std::sort(rare.begin(), rare.end());
  std::shuffle(rare.begin(), rare.end(), random);
  rare.resize(std::min<std::size_t>(rare.size(), 50));

  std::vector<std::string> pairs;
  std::vector<std::string> prefixes{"t", "co", "conf", "netw", "collab", "fil"};
  while (pairs.size() < 50 || prefixes.size() < 50) {
    const Paragraph& paragraph = corpus[random() % corpus.size()];
    std::vector<std::string> words = words_of(paragraph.text, 3);
    if (words.size() < 2) {
      continue;
    }
    const std::size_t at = random() % (words.size() - 1);
    if (pairs.size() < 50) {
      pairs.push_back(words[at] + " " + words[at + 1]);
    }
    if (prefixes.size() < 50 && words[at].size() >= 6) {
      prefixes.push_back(words[at].substr(0, 3 + random() % 3));
    }
  }
  return {{"common", {"the", "file"}},
          {"rare", rare},
          {"two words", pairs},
          {"prefix", prefixes}};
}

struct Percentiles {
  double p50 = 0;
  double p99 = 0;
  double max = 0;
  std::size_t count = 0;
};

Percentiles percentiles(std::vector<double> samples) {
  if (samples.empty()) {
    return {};
  }
  std::sort(samples.begin(), samples.end());
  const auto at = [&](double q) {
    return samples[std::min(samples.size() - 1, static_cast<std::size_t>(q * static_cast<double>(samples.size())))];
  };
  return {at(0.50), at(0.99), samples.back(), samples.size()};
}

void measure_search(Store& store, const std::vector<Paragraph>& corpus, const Settings& settings,
                    Clock::time_point deadline) {
  std::mt19937 random(static_cast<unsigned>(settings.seed));
  const auto classes = query_classes(corpus, random);
  std::printf(
      "\n| sort | tag | class | queries | p50 ms | p99 ms | max ms | CPU p50 ms | CPU p99 ms | "
      "mean total |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");

  for (SearchSort sort : {SearchSort::updated_at, SearchSort::relevance}) {
    for (bool with_tag : {false, true}) {
      std::vector<double> all;
      std::vector<double> all_cpu;
      for (const auto& [name, queries] : classes) {
        std::vector<double> samples;
        std::vector<double> cpu_samples;
        std::vector<std::pair<double, std::string>> slowest;
        double hits = 0;
        for (int i = 0; i < settings.queries && !deadline_passed(deadline); ++i) {
          SearchQuery query{workspace_id(static_cast<int>(random() % settings.workspaces)),
                            queries[static_cast<std::size_t>(i) % queries.size()],
                            with_tag ? std::optional<std::string>("t3") : std::nullopt, sort,
                            20, 0};
          const auto started = Clock::now();
          const double cpu_started = thread_cpu_ms();
          auto page = store.search(query);
          const double ms =
              std::chrono::duration<double, std::milli>(Clock::now() - started).count();
          cpu_samples.push_back(thread_cpu_ms() - cpu_started);
          if (!page) {
            std::fprintf(stderr, "search failed: %s\n", page.error().message.c_str());
            std::exit(1);
          }
          hits += static_cast<double>(page->total);
          samples.push_back(ms);
          slowest.emplace_back(ms, query.text);
        }
        all.insert(all.end(), samples.begin(), samples.end());
        all_cpu.insert(all_cpu.end(), cpu_samples.begin(), cpu_samples.end());
        if (settings.verbose) {
          std::sort(slowest.rbegin(), slowest.rend());
          for (std::size_t k = 0; k < std::min<std::size_t>(3, slowest.size()); ++k) {
            std::fprintf(stderr, "slow: %.2f ms %s\n", slowest[k].first, slowest[k].second.c_str());
          }
        }
        const Percentiles result = percentiles(samples);
        const Percentiles cpu = percentiles(cpu_samples);
        std::printf("| %s | %s | %s | %zu | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f |\n",
                    sort == SearchSort::updated_at ? "updated_at" : "relevance",
                    with_tag ? "t3" : "-", name.c_str(), result.count, result.p50, result.p99,
                    result.max, cpu.p50, cpu.p99,
                    result.count ? hits / static_cast<double>(result.count) : 0.0);
      }
      const Percentiles overall = percentiles(all);
      const Percentiles overall_cpu = percentiles(all_cpu);
      std::printf("| %s | %s | **all** | %zu | %.2f | **%.2f** | %.2f | %.2f | **%.2f** | |\n",
                  sort == SearchSort::updated_at ? "updated_at" : "relevance",
                  with_tag ? "t3" : "-", overall.count, overall.p50, overall.p99, overall.max,
                  overall_cpu.p50, overall_cpu.p99);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  CLI::App app{"Tandem storage benchmark: document writes and full-text search"};
  app.add_option("--corpus", settings.corpus, "JSON lines from bench/search_corpus.py")
      ->required();
  app.add_option("--db", settings.db,
                 "database file; reused when it already holds the documents (default: a new "
                 "file in a temp dir)");
  app.add_option("--documents", settings.documents, "documents to create");
  app.add_option("--workspaces", settings.workspaces, "workspaces to spread them over");
  app.add_option("--threads", settings.writer_threads, "concurrent writers");
  app.add_option("--updates", settings.updates, "title updates to time");
  app.add_option("--queries", settings.queries, "queries per class, sort and tag filter");
  app.add_option("--time-limit", settings.time_limit_s, "stop every loop after this, seconds");
  app.add_flag("--verbose", settings.verbose, "print the three slowest queries of each row");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);

  const auto deadline =
      Clock::now() + std::chrono::milliseconds(static_cast<long>(settings.time_limit_s * 1000));
  std::filesystem::path temp_dir;
  if (settings.db.empty()) {
    temp_dir = std::filesystem::temp_directory_path() /
               fmt::format("tandem-bench-{}", std::random_device{}());
    std::filesystem::create_directories(temp_dir);
    settings.db = (temp_dir / "bench.db").string();
  }

  const std::vector<Paragraph> corpus = load_corpus(settings.corpus, settings.documents);
  settings.documents = static_cast<int>(corpus.size());
  SqliteOptions options;
  options.path = settings.db;
  auto opened = open_sqlite_store(options);
  if (!opened) {
    std::fprintf(stderr, "%s\n", opened.error().message.c_str());
    return 1;
  }
  Store& store = **opened;

  std::printf("| write | count | throughput |\n|---|---|---|\n");
  auto existing = store.find_workspace(workspace_id(0));
  if (existing && !existing->has_value()) {
    build(store, corpus, settings, deadline);
    measure_writes(store, settings, deadline);
  } else {
    std::printf("| (reused %s) | | |\n", settings.db.c_str());
  }
  measure_search(store, corpus, settings, deadline);

  opened->reset();
  if (!temp_dir.empty()) {
    std::filesystem::remove_all(temp_dir);
  }
  return 0;
}
