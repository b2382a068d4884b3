// Deduplication by (client_id, seq) in the live commit pipeline, against a
// real SQLite store: inside the in-memory window, beyond it, and after a
// restart when only the op log records what was committed.
#include <future>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "../storage/store_fixture.h"
#include "documents/live.h"

namespace tandem::documents {
namespace {

class LiveDedupTest : public storage::testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    make_workspace("w1");
    make_document("w1", "d1", "Doc", R"({"text":""})");
    start_live();
  }

  // The store goes first: closing it joins the writer thread, which may
  // still be running a pipeline's completion after the submitter's reply.
  void TearDown() override {
    StoreTest::TearDown();
    live_.reset();
    retired_.clear();
  }

  // A fresh pipeline over the same store, as after a restart. The old one
  // stays alive until TearDown for the same reason.
  void start_live() {
    if (live_) retired_.push_back(std::move(live_));
    LiveOptions options;
    options.recent_ops = 2;  // so most resubmissions miss the in-memory window
    live_ = std::make_unique<LiveDocuments>(*store_, io_, options, nullptr);
  }

  Result<SubmitResult> submit(const std::string& client, std::int64_t seq, std::int64_t base) {
    SubmitRequest request{"d1", base, boost::json::parse(R"([{"p":["text",0],"si":"x"}])"), client, seq};
    std::promise<Result<SubmitResult>> promise;
    live_->submit(Caller{"u_owner", "Owner", ""}, std::move(request),
                  [&promise](Result<SubmitResult> result) { promise.set_value(std::move(result)); });
    return promise.get_future().get();
  }

  boost::asio::io_context io_;
  std::unique_ptr<LiveDocuments> live_;
  std::vector<std::unique_ptr<LiveDocuments>> retired_;
};

TEST_F(LiveDedupTest, ResubmissionBeyondWindowIsDuplicate) {
  for (std::int64_t seq = 1; seq <= 5; ++seq) {
    auto result = submit("c1", seq, seq - 1);
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(result->version, seq);
    EXPECT_FALSE(result->duplicate);
  }

  auto again = submit("c1", 2, 1);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->version, 2);

  auto durable = live_->durable_version("d1");
  ASSERT_TRUE(durable);
  EXPECT_EQ(*durable, 5);
}

TEST_F(LiveDedupTest, LowerUnseenSeqIsCommitted) {
  ASSERT_TRUE(submit("c1", 10, 0));

  // Seqs need not arrive in order: 4 was never committed, so it is new.
  auto lower = submit("c1", 4, 1);
  ASSERT_TRUE(lower) << lower.error().message;
  EXPECT_FALSE(lower->duplicate);
  EXPECT_EQ(lower->version, 2);
}

TEST_F(LiveDedupTest, RestartKeepsDedupFromLog) {
  for (std::int64_t seq = 0; seq < 4; ++seq) {
    ASSERT_TRUE(submit("c1", seq, seq));
  }
  start_live();

  auto old = submit("c1", 3, 3);
  ASSERT_TRUE(old) << old.error().message;
  EXPECT_TRUE(old->duplicate);
  EXPECT_EQ(old->version, 4);

  auto fresh = submit("c1", 4, 4);
  ASSERT_TRUE(fresh) << fresh.error().message;
  EXPECT_FALSE(fresh->duplicate);
  EXPECT_EQ(fresh->version, 5);

  auto other = submit("c2", 0, 5);
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_FALSE(other->duplicate);
  EXPECT_EQ(other->version, 6);
}

}  // namespace
}  // namespace tandem::documents
