#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
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

}  // namespace
}  // namespace tandem::storage::testing
