#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <semaphore>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "store_fixture.h"

namespace tandem::storage::testing {
namespace {

using KillTest = StoreTest;

// Runs in the forked child: writes documents from several threads and
// reports each id on `report_fd` only after create_document returned success.
[[noreturn]] void write_until_killed(const std::string& path, int report_fd) {
  SqliteOptions options;
  options.path = path;
  auto opened = open_sqlite_store(options);
  if (!opened) {
    _exit(2);
  }
  Store& store = **opened;
  constexpr int kThreads = 4;
  constexpr int kMaxPerThread = 100000;  // the parent kills the child long before
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&store, report_fd, t] {
      for (int i = 0; i < kMaxPerThread; ++i) {
        const std::string id = fmt::format("d{}_{}", t, i);
        auto created =
            store.create_document(NewDocument{id, "w1", id, R"({"t":"crash"})", {}, "u", 1});
        if (created) {
          const std::string line = id + "\n";
          // One write() of a short line to a pipe is atomic.
          if (write(report_fd, line.data(), line.size()) < 0) {
            _exit(3);
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  _exit(0);
}

// Reads the ids reported by the child for `duration`, then kills it.
std::set<std::string> collect_then_kill(pid_t child, int read_fd,
                                        std::chrono::milliseconds duration) {
  std::set<std::string> acknowledged;
  std::string pending;
  const auto deadline = std::chrono::steady_clock::now() + duration;
  char buffer[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    const ssize_t count = read(read_fd, buffer, sizeof buffer);
    if (count <= 0) {
      break;
    }
    pending.append(buffer, static_cast<std::size_t>(count));
    std::size_t newline = 0;
    while ((newline = pending.find('\n')) != std::string::npos) {
      acknowledged.insert(pending.substr(0, newline));
      pending.erase(0, newline + 1);
    }
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  return acknowledged;
}

TEST_F(KillTest, AcknowledgedWritesSurviveKill) {
  make_workspace("w1");
  store_.reset();  // the child opens the file itself; no store threads may run across fork()

  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipe_fds[0]);
    write_until_killed(path(), pipe_fds[1]);
  }
  close(pipe_fds[1]);
  const std::set<std::string> acknowledged =
      collect_then_kill(child, pipe_fds[0], std::chrono::milliseconds(700));
  close(pipe_fds[0]);
  ASSERT_GT(acknowledged.size(), 10u) << "the child wrote too little to test anything";

  // Every acknowledged document is there after recovery, and intact.
  open_store();
  for (const std::string& id : acknowledged) {
    auto found = store_->find_document(id);
    ASSERT_TRUE(found) << id;
    ASSERT_TRUE(found->has_value()) << "acknowledged document lost: " << id;
    EXPECT_EQ((*found)->title, id);
  }
  EXPECT_TRUE(store_->ready());
  auto hits = store_->search(SearchQuery{"w1", "crash", std::nullopt, SearchSort::updated_at, 20, 0});
  ASSERT_TRUE(hits);
  // Committed but unacknowledged writes may exist too, so this is a lower bound.
  EXPECT_GE(hits->total, std::min<std::int64_t>(100, static_cast<std::int64_t>(acknowledged.size())));
  std::printf("acknowledged before the kill: %zu documents\n", acknowledged.size());
}

// Runs in the forked child: four threads each commit ops to their own
// document, 32 in flight, and report "document version" on `report_fd` from
// the completion, which runs only after the commit is durable.
[[noreturn]] void commit_until_killed(const std::string& path, int report_fd) {
  SqliteOptions options;
  options.path = path;
  auto opened = open_sqlite_store(options);
  if (!opened) {
    _exit(2);
  }
  Store& store = **opened;
  constexpr int kThreads = 4;
  constexpr int kMaxPerThread = 1000000;  // the parent kills the child long before
  using Slots = std::counting_semaphore<64>;
  std::vector<std::unique_ptr<Slots>> slots;
  for (int t = 0; t < kThreads; ++t) {
    slots.push_back(std::make_unique<Slots>(32));
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&store, &slots, report_fd, t] {
      const std::string document = fmt::format("d{}", t);
      Slots& free_slots = *slots[static_cast<std::size_t>(t)];
      for (int version = 1; version <= kMaxPerThread; ++version) {
        free_slots.acquire();
        OpRecord op{document, version, R"([{"p":["n"],"na":1}])", "u", fmt::format("c{}", t),
                    version, 1};
        store.commit_op(OpCommit{std::move(op), std::nullopt},
                        [&free_slots, report_fd, document, version](const Status& status) {
                          if (!status) {
                            _exit(4);
                          }
                          const std::string line = fmt::format("{} {}\n", document, version);
                          if (write(report_fd, line.data(), line.size()) < 0) {
                            _exit(3);
                          }
                          free_slots.release();
                        });
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  _exit(0);
}

TEST_F(KillTest, AcknowledgedOpsSurviveKill) {
  make_workspace("w1");
  for (int t = 0; t < 4; ++t) {
    const std::string id = fmt::format("d{}", t);
    ASSERT_TRUE(store_->create_document(NewDocument{id, "w1", id, R"({"n":0})", {}, "u", 1}));
  }
  store_.reset();  // no store threads may run across fork()

  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipe_fds[0]);
    commit_until_killed(path(), pipe_fds[1]);
  }
  close(pipe_fds[1]);
  const std::set<std::string> acknowledged =
      collect_then_kill(child, pipe_fds[0], std::chrono::milliseconds(700));
  close(pipe_fds[0]);
  ASSERT_GT(acknowledged.size(), 100u) << "the child committed too little to test anything";

  // The highest acknowledged version of each document.
  std::map<std::string, std::int64_t> newest;
  for (const std::string& line : acknowledged) {
    const std::size_t space = line.find(' ');
    ASSERT_NE(space, std::string::npos) << line;
    std::int64_t& version = newest[line.substr(0, space)];
    version = std::max<std::int64_t>(version, std::stoll(line.substr(space + 1)));
  }

  // After recovery each document contains every acknowledged op exactly once,
  // with contiguous versions (later unacknowledged commits may be there too).
  open_store();
  for (const auto& [document, acknowledged_version] : newest) {
    auto found = store_->find_document(document);
    ASSERT_TRUE(found) << found.error().message;
    ASSERT_TRUE(found->has_value()) << document;
    const std::int64_t version = (*found)->version;
    EXPECT_GE(version, acknowledged_version) << "acknowledged ops lost in " << document;
    std::int64_t expected = 1;
    while (expected <= version) {
      auto page = store_->list_ops(document, expected - 1, version, 10000);
      ASSERT_TRUE(page) << page.error().message;
      ASSERT_FALSE(page->empty()) << document << " has no op " << expected;
      for (const OpRecord& op : *page) {
        ASSERT_EQ(op.version, expected) << document;
        ASSERT_EQ(op.seq, expected) << document;
        ++expected;
      }
    }
    EXPECT_EQ(expected, version + 1) << document;
  }
  EXPECT_TRUE(store_->ready());
  std::printf("acknowledged before the kill: %zu ops\n", acknowledged.size());
}

}  // namespace
}  // namespace tandem::storage::testing
