#include <sys/resource.h>

#include <atomic>
#include <csignal>
#include <latch>
#include <thread>

#include "storage/sqlite/connection.h"
#include "storage/sqlite/writer.h"
#include <fmt/format.h>

#include "store_fixture.h"

namespace tandem::storage::testing {
namespace {

using sqlite::Connection;
using sqlite::Writer;

using GroupCommitTest = StoreTest;

TEST_F(GroupCommitTest, ConcurrentWritersShareCommits) {
  std::atomic<std::size_t> commits{0};
  std::atomic<std::size_t> committed_writes{0};
  store_.reset();
  SqliteOptions options;
  options.path = path();
  options.on_commit = [&](std::chrono::nanoseconds, std::size_t writes) {
    ++commits;
    committed_writes += writes;
  };
  auto opened = open_sqlite_store(options);
  ASSERT_TRUE(opened);
  store_ = std::move(*opened);
  make_workspace("w1");
  commits = 0;
  committed_writes = 0;

  constexpr int kThreads = 16;
  constexpr int kPerThread = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string id = fmt::format("d{}_{}", t, i);
        auto created = store_->create_document(
            NewDocument{id, "w1", fmt::format("title {}", id), R"({"t":"text"})", {fmt::format("t{}", t)},
                        "u", 1000 + i});
        failures += (created && created->id == id) ? 0 : 1;
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  ASSERT_EQ(failures.load(), 0);
  EXPECT_EQ(committed_writes.load(), std::size_t{kThreads * kPerThread});
  EXPECT_LT(commits.load(), committed_writes.load()) << "no write shared a commit";

  // Everything is on disk and correct after a reopen.
  reopen_store();
  std::size_t listed = 0;
  std::optional<std::string> cursor;
  do {
    auto page = store_->list_documents(ListQuery{"w1", std::nullopt, 100, cursor});
    ASSERT_TRUE(page);
    for (const Document& document : page->documents) {
      EXPECT_EQ(document.title, fmt::format("title {}", document.id));
      ++listed;
    }
    cursor = page->next_cursor;
  } while (cursor);
  EXPECT_EQ(listed, std::size_t{kThreads * kPerThread});
  for (int t = 0; t < kThreads; ++t) {
    auto page = store_->list_documents(ListQuery{"w1", fmt::format("t{}", t), 100, {}});
    ASSERT_TRUE(page);
    EXPECT_EQ(page->documents.size(), std::size_t{kPerThread});
  }
}

class WriterTest : public StoreTest {
 protected:
  std::unique_ptr<Writer> make_writer() {
    auto connection =
        Connection::open((dir_ / "writer.db").string(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 1000);
    EXPECT_TRUE(connection);
    EXPECT_TRUE((*connection)->exec("PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER)"));
    return std::make_unique<Writer>(std::move(*connection), sqlite::WriterOptions{});
  }

  static Writer::WriteFunction insert(int value, bool then_fail = false) {
    return [value, then_fail](Connection& connection) -> Status {
      auto statement = connection.prepare("INSERT INTO t (v) VALUES (?1)");
      if (!statement) {
        return std::unexpected(statement.error());
      }
      Status inserted = statement->bind(1, std::int64_t{value}).run();
      if (inserted && then_fail) {
        return fail(ErrorCode::invalid_request, fmt::format("rejected {}", value));
      }
      return inserted;
    };
  }

  static std::int64_t sum(Writer& writer) {
    std::int64_t total = -1;
    Status read = writer.submit([&](Connection& connection) -> Status {
      auto statement = connection.prepare("SELECT coalesce(sum(v), 0) FROM t");
      if (!statement || !statement->step()) {
        return fail(ErrorCode::internal, "sum failed");
      }
      total = statement->integer(0);
      return {};
    }).get();
    EXPECT_TRUE(read);
    return total;
  }
};

TEST_F(WriterTest, FailedWriteRollsBackOnlyItself) {
  auto writer = make_writer();

  // Hold the writer inside a first batch until the next three are queued, so
  // they run in one transaction.
  std::latch queued(1);
  auto blocker = writer->submit([&](Connection&) -> Status {
    queued.wait();
    return {};
  });
  auto first = writer->submit(insert(1));
  auto failing = writer->submit(insert(10, true));
  auto last = writer->submit(insert(100));
  queued.count_down();

  EXPECT_TRUE(blocker.get());
  EXPECT_TRUE(first.get());
  Status failed = failing.get();
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::invalid_request);
  EXPECT_EQ(failed.error().message, "rejected 10");
  EXPECT_TRUE(last.get());
  EXPECT_EQ(sum(*writer), 101);
  EXPECT_TRUE(writer->healthy());
}

TEST_F(WriterTest, CompletionRunsAfterCommit) {
  auto writer = make_writer();
  std::promise<Status> done;
  writer->submit(insert(7), [&](const Status& status) { done.set_value(status); });
  EXPECT_TRUE(done.get_future().get());

  // A separate connection reads the write: it was committed before completion.
  auto reader = Connection::open((dir_ / "writer.db").string(), SQLITE_OPEN_READONLY, 1000);
  ASSERT_TRUE(reader);
  auto statement = (*reader)->prepare("SELECT sum(v) FROM t");
  ASSERT_TRUE(statement);
  ASSERT_TRUE(statement->step());
  EXPECT_EQ(statement->integer(0), 7);
}

TEST_F(WriterTest, ExceptionBecomesError) {
  auto writer = make_writer();
  Status status = writer->submit([](Connection&) -> Status { throw std::runtime_error("boom"); }).get();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::internal);
  EXPECT_TRUE(writer->submit(insert(1)).get());
}

TEST_F(WriterTest, SubmitAfterStopFails) {
  auto writer = make_writer();
  writer->stop();
  Status status = writer->submit(insert(1)).get();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::internal);
}

// Lowers the file size limit so the next large write fails with EFBIG, as a
// full disk would; restores it on scope exit.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    std::signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &saved_);
    rlimit limited = saved_;
    limited.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &limited);
  }
  ~FileSizeLimit() { setrlimit(RLIMIT_FSIZE, &saved_); }

 private:
  rlimit saved_{};
};

// Content sizes: 100 KiB stays in the page cache until COMMIT writes the WAL,
// so COMMIT fails; 4 MiB spills to the WAL during the write itself, because
// the test shrinks the write connection's page cache to 1 MiB.
class StickyErrorTest : public StoreTest, public ::testing::WithParamInterface<std::size_t> {};

INSTANTIATE_TEST_SUITE_P(ContentSizes, StickyErrorTest,
                         ::testing::Values(std::size_t{100} << 10, std::size_t{4} << 20));

TEST_P(StickyErrorTest, FailedWriteDisablesWrites) {
  options_.writer_cache_mib = 1;
  reopen_store();
  make_workspace("w1");
  make_document("w1", "d1", "before");

  const auto file_size = [](const std::filesystem::path& file) -> std::uintmax_t {
    std::error_code error;
    const auto size = std::filesystem::file_size(file, error);
    return error ? 0 : size;
  };
  const std::uintmax_t largest =
      std::max(file_size(path()), file_size(path() + "-wal"));
  const std::string big = R"({"t":")" + std::string(GetParam(), 'x') + R"("})";
  {
    FileSizeLimit limit(largest + 8192);
    auto created = store_->create_document(NewDocument{"big", "w1", "big", big, {}, "u", 3000});
    ASSERT_FALSE(created);
    EXPECT_EQ(created.error().code, ErrorCode::internal);
  }

  // The limit is gone, but the store keeps rejecting writes.
  EXPECT_FALSE(store_->ready());
  auto small = store_->create_document(NewDocument{"d2", "w1", "small", "{}", {}, "u", 4000});
  ASSERT_FALSE(small);
  EXPECT_EQ(small.error().code, ErrorCode::internal);
  EXPECT_NE(small.error().message.find("rejects writes"), std::string::npos)
      << small.error().message;
  Status member = store_->put_member("w1", "u9", Role::viewer);
  EXPECT_FALSE(member);

  // Reads still work, and a restart recovers the committed state.
  auto found = store_->find_document("d1");
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  reopen_store();
  EXPECT_TRUE(store_->ready());
  auto lost = store_->find_document("big");
  ASSERT_TRUE(lost);
  EXPECT_FALSE(lost->has_value());
  found = store_->find_document("d1");
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  make_document("w1", "d3", "after restart");
}

}  // namespace
}  // namespace tandem::storage::testing
