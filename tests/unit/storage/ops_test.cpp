#include <algorithm>
#include <atomic>
#include <future>
#include <map>
#include <numeric>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include <fmt/format.h>

#include "storage/sqlite/connection.h"
#include "store_fixture.h"

namespace tandem::storage::testing {
namespace {

class OpsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    make_workspace("w1");
  }

  static OpRecord op(const std::string& document, std::int64_t version,
                     const std::string& client = "c1", std::int64_t seq = -1,
                     std::int64_t at = 3000) {
    return OpRecord{document,
                    version,
                    fmt::format(R"([{{"p":["n"],"na":{}}}])", version),
                    "u_editor",
                    client,
                    seq < 0 ? version : seq,
                    at};
  }

  // Commits and waits for the completion.
  Status commit(const OpRecord& record, std::optional<std::string> snapshot = std::nullopt) {
    std::promise<Status> promise;
    store_->commit_op(OpCommit{record, std::move(snapshot)},
                      [&](const Status& status) { promise.set_value(status); });
    return promise.get_future().get();
  }

  void commit_ok(const OpRecord& record, std::optional<std::string> snapshot = std::nullopt) {
    Status status = commit(record, std::move(snapshot));
    ASSERT_TRUE(status) << status.error().message;
  }

  Document find(const std::string& id) {
    auto found = store_->find_document(id);
    EXPECT_TRUE(found) << found.error().message;
    EXPECT_TRUE(found->has_value()) << id;
    return found->value_or(Document{});
  }

  std::vector<OpRecord> ops(const std::string& id, std::int64_t from = 0,
                            std::int64_t to = 1000000, int limit = 10000) {
    auto listed = store_->list_ops(id, from, to, limit);
    EXPECT_TRUE(listed) << listed.error().message;
    return listed.value_or(std::vector<OpRecord>{});
  }

  std::vector<std::string> search_ids(const std::string& text) {
    auto page = store_->search(SearchQuery{"w1", text, std::nullopt, SearchSort::updated_at, 20, 0});
    EXPECT_TRUE(page) << page.error().message;
    std::vector<std::string> ids;
    for (const SearchHit& hit : page.value_or(SearchPage{}).results) {
      ids.push_back(hit.id);
    }
    return ids;
  }

  std::vector<std::string> listing_ids(std::optional<std::string> tag = std::nullopt) {
    auto page = store_->list_documents(ListQuery{"w1", std::move(tag), 100, std::nullopt});
    EXPECT_TRUE(page) << page.error().message;
    std::vector<std::string> ids;
    for (const Document& document : page.value_or(DocumentPage{}).documents) {
      ids.push_back(document.id);
    }
    return ids;
  }

  std::int64_t count_rows(const std::string& sql) {
    auto connection = sqlite::Connection::open(path(), SQLITE_OPEN_READONLY, 1000);
    EXPECT_TRUE(connection);
    auto query = (*connection)->prepare(sql);
    EXPECT_TRUE(query);
    EXPECT_TRUE(query->step().value_or(false));
    return query->integer(0);
  }
};

TEST_F(OpsTest, CommitAdvancesDocument) {
  make_document("w1", "d1", "Doc", R"({"n":0})");
  commit_ok(op("d1", 1, "c1", 1, 3000));
  commit_ok(op("d1", 2, "c2", 7, 3500));

  Document document = find("d1");
  EXPECT_EQ(document.version, 2);
  EXPECT_EQ(document.content_version, 0);
  EXPECT_EQ(document.content_json, R"({"n":0})");
  EXPECT_EQ(document.last_edited_by, "u_editor");
  EXPECT_EQ(document.updated_at, 3500);
  EXPECT_EQ(document.created_by, "u_owner");

  std::vector<OpRecord> logged = ops("d1");
  ASSERT_EQ(logged.size(), 2u);
  EXPECT_EQ(logged[0].version, 1);
  EXPECT_EQ(logged[0].op_json, R"([{"p":["n"],"na":1}])");
  EXPECT_EQ(logged[0].client_id, "c1");
  EXPECT_EQ(logged[0].seq, 1);
  EXPECT_EQ(logged[0].created_at, 3000);
  EXPECT_EQ(logged[1].version, 2);
  EXPECT_EQ(logged[1].client_id, "c2");
  EXPECT_EQ(logged[1].seq, 7);
  EXPECT_EQ(logged[1].user_id, "u_editor");
  EXPECT_EQ(logged[1].document_id, "d1");
}

TEST_F(OpsTest, CommitRejectsVersionGapAndReplay) {
  make_document("w1", "d1", "Doc");
  commit_ok(op("d1", 1));

  for (std::int64_t version : {0, 1, 3, 50}) {
    Status status = commit(op("d1", version, "c9", 100 + version));
    ASSERT_FALSE(status) << version;
    EXPECT_EQ(status.error().code, ErrorCode::version_conflict);
    EXPECT_EQ(status.error().current_version, 1);
    EXPECT_NE(status.error().message.find(fmt::format("op version {}", version)), std::string::npos)
        << status.error().message;
    EXPECT_NE(status.error().message.find("version 1 of document d1"), std::string::npos)
        << status.error().message;
  }

  EXPECT_EQ(find("d1").version, 1);
  EXPECT_EQ(ops("d1").size(), 1u);
}

TEST_F(OpsTest, CommitRejectsDuplicateClientSeq) {
  make_document("w1", "d1", "Doc");
  make_document("w1", "d2", "Other");
  commit_ok(op("d1", 1, "c1", 5));

  Status status = commit(op("d1", 2, "c1", 5));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::invalid_request);
  EXPECT_NE(status.error().message.find("client c1 seq 5 already committed version 1"),
            std::string::npos)
      << status.error().message;
  EXPECT_EQ(find("d1").version, 1);
  EXPECT_EQ(ops("d1").size(), 1u);

  // The key is per document, and another seq of the same client is fine.
  commit_ok(op("d2", 1, "c1", 5));
  commit_ok(op("d1", 2, "c1", 6));
  EXPECT_EQ(find("d1").version, 2);
}

TEST_F(OpsTest, CommitRejectsOlderLoggedSeq) {
  make_document("w1", "d1", "Doc");
  commit_ok(op("d1", 1, "c1", 10));
  commit_ok(op("d1", 2, "c2", 1));
  commit_ok(op("d1", 3, "c1", 12));

  // seq 10 is below the client's newest (12), so the op log is searched.
  Status replay = commit(op("d1", 4, "c1", 10));
  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.error().code, ErrorCode::invalid_request);
  EXPECT_NE(replay.error().message.find("client c1 seq 10 already committed version 1"), std::string::npos)
      << replay.error().message;
  EXPECT_EQ(find("d1").version, 3);

  // A lower seq that never committed is new, and the newest stays 12.
  commit_ok(op("d1", 4, "c1", 11));
  auto newest = store_->max_op_seq("d1", "c1");
  ASSERT_TRUE(newest);
  ASSERT_TRUE(newest->has_value());
  EXPECT_EQ(**newest, 12);
  auto older = store_->find_op("d1", "c1", 10);
  ASSERT_TRUE(older);
  ASSERT_TRUE(older->has_value());
  EXPECT_EQ((*older)->version, 1);

  // seq 11 committed after seq 12, at a higher version: still found.
  auto late = store_->find_op("d1", "c1", 11);
  ASSERT_TRUE(late);
  ASSERT_TRUE(late->has_value());
  EXPECT_EQ((*late)->version, 4);
  Status late_replay = commit(op("d1", 5, "c1", 11));
  ASSERT_FALSE(late_replay);
  EXPECT_NE(late_replay.error().message.find("client c1 seq 11 already committed version 4"), std::string::npos)
      << late_replay.error().message;
  EXPECT_EQ(find("d1").version, 4);
  EXPECT_EQ(ops("d1").size(), 4u);
}

TEST_F(OpsTest, NewestSeqStaysCommittedAfterPruning) {
  make_document("w1", "d1", "Doc");
  commit_ok(op("d1", 1, "c1", 1));
  commit_ok(op("d1", 2, "c2", 1), std::string(R"({"n":2})"));
  commit_ok(op("d1", 3, "c2", 2));
  ASSERT_TRUE(store_->prune_history("d1", 2));
  ASSERT_EQ(ops("d1", 2).size(), 1u);

  // c1's op at version 1 is gone from the log, but its seq is still taken.
  Status replay = commit(op("d1", 4, "c1", 1));
  ASSERT_FALSE(replay);
  EXPECT_NE(replay.error().message.find("client c1 seq 1 already committed version 1"), std::string::npos)
      << replay.error().message;
  EXPECT_EQ(find("d1").version, 3);
}

TEST_F(OpsTest, CommitToMissingOrDeletedDocument) {
  Status missing = commit(op("nope", 1));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
  EXPECT_NE(missing.error().message.find("nope"), std::string::npos);

  make_document("w1", "d1", "Doc");
  commit_ok(op("d1", 1));
  ASSERT_TRUE(store_->delete_document("d1"));
  Status deleted = commit(op("d1", 2));
  ASSERT_FALSE(deleted);
  EXPECT_EQ(deleted.error().code, ErrorCode::not_found);

  // Reads of a deleted document fail, but its op log stays in the file.
  auto listed = store_->list_ops("d1", 0, 10, 10);
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().code, ErrorCode::not_found);
  auto found = store_->find_op("d1", "c1", 1);
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code, ErrorCode::not_found);
  auto snapshot = store_->find_snapshot("d1", 0);
  ASSERT_FALSE(snapshot);
  EXPECT_EQ(snapshot.error().code, ErrorCode::not_found);
  EXPECT_EQ(count_rows("SELECT count(*) FROM ops WHERE document_id = 'd1'"), 1);
  EXPECT_EQ(count_rows("SELECT count(*) FROM document_snapshots WHERE document_id = 'd1'"), 1);
}

TEST_F(OpsTest, UpdatedAtNeverMovesBackwards) {
  make_document("w1", "d1", "Doc", "{}", {}, 5000);
  commit_ok(op("d1", 1, "c1", 1, 4000));
  Document document = find("d1");
  EXPECT_EQ(document.version, 1);
  EXPECT_EQ(document.updated_at, 5000);
  commit_ok(op("d1", 2, "c1", 2, 6000));
  EXPECT_EQ(find("d1").updated_at, 6000);
}

TEST_F(OpsTest, CommitMovesDocumentToFrontOfListing) {
  make_document("w1", "d1", "One", "{}", {"t"}, 2000);
  make_document("w1", "d2", "Two", "{}", {"t"}, 2100);
  make_document("w1", "d3", "Three", "{}", {}, 2200);
  ASSERT_EQ(listing_ids(), (std::vector<std::string>{"d3", "d2", "d1"}));

  commit_ok(op("d1", 1, "c1", 1, 3000));
  EXPECT_EQ(listing_ids(), (std::vector<std::string>{"d1", "d3", "d2"}));
  EXPECT_EQ(listing_ids("t"), (std::vector<std::string>{"d1", "d2"}));
}

TEST_F(OpsTest, CompletionsRunInSubmissionOrder) {
  make_document("w1", "d1", "Doc");
  constexpr int kOps = 300;
  std::mutex mutex;
  std::vector<std::int64_t> completed;
  std::vector<std::string> failures;
  std::promise<void> all_done;
  for (int version = 1; version <= kOps; ++version) {
    store_->commit_op(OpCommit{op("d1", version), std::nullopt}, [&, version](const Status& status) {
      std::lock_guard lock(mutex);
      completed.push_back(version);
      if (!status) {
        failures.push_back(status.error().message);
      }
      if (completed.size() == kOps) {
        all_done.set_value();
      }
    });
  }
  all_done.get_future().get();

  EXPECT_TRUE(failures.empty()) << failures.front();
  std::vector<std::int64_t> expected(kOps);
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_EQ(completed, expected);
  EXPECT_EQ(find("d1").version, kOps);
}

TEST_F(OpsTest, FailedCommitInBatchLeavesOthers) {
  make_document("w1", "d1", "Doc");
  std::vector<std::future<Status>> results;
  std::vector<std::shared_ptr<std::promise<Status>>> promises;
  const std::vector<OpRecord> records = {op("d1", 1, "a", 1), op("d1", 1, "b", 1),
                                         op("d1", 2, "a", 1), op("d1", 2, "c", 1)};
  for (const OpRecord& record : records) {
    auto promise = std::make_shared<std::promise<Status>>();
    results.push_back(promise->get_future());
    store_->commit_op(OpCommit{record, std::nullopt},
                      [promise](const Status& status) { promise->set_value(status); });
  }
  EXPECT_TRUE(results[0].get());
  Status conflict = results[1].get();
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().code, ErrorCode::version_conflict);
  Status duplicate = results[2].get();
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, ErrorCode::invalid_request);
  EXPECT_TRUE(results[3].get());

  std::vector<OpRecord> logged = ops("d1");
  ASSERT_EQ(logged.size(), 2u);
  EXPECT_EQ(logged[0].client_id, "a");
  EXPECT_EQ(logged[1].client_id, "c");
}

TEST_F(OpsTest, ConcurrentCommitsToSeveralDocuments) {
  constexpr int kDocuments = 4;
  constexpr int kThreads = 8;
  constexpr int kOpsPerThread = 250;
  for (int d = 0; d < kDocuments; ++d) {
    make_document("w1", fmt::format("d{}", d), "Doc");
  }

  // Like a per-document commit pipeline: versions are assigned and submitted
  // in order under the document's lock, completions arrive later.
  struct Pipeline {
    std::mutex mutex;
    std::int64_t next_version = 1;
  };
  std::vector<Pipeline> pipelines(kDocuments);
  std::atomic<int> pending{kThreads * kOpsPerThread};
  std::atomic<int> failures{0};
  std::promise<void> all_done;

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 random(static_cast<unsigned>(t));
      for (int i = 0; i < kOpsPerThread; ++i) {
        const int d = static_cast<int>(random() % kDocuments);
        Pipeline& pipeline = pipelines[static_cast<std::size_t>(d)];
        std::lock_guard lock(pipeline.mutex);
        OpRecord record = op(fmt::format("d{}", d), pipeline.next_version++,
                             fmt::format("client{}", t), i);
        store_->commit_op(OpCommit{std::move(record), std::nullopt}, [&](const Status& status) {
          failures += status ? 0 : 1;
          if (--pending == 0) {
            all_done.set_value();
          }
        });
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  all_done.get_future().get();
  EXPECT_EQ(failures.load(), 0);

  // Every op is logged exactly once, and each document's versions run 1..N.
  std::set<std::pair<std::string, std::int64_t>> keys;
  std::size_t total = 0;
  for (int d = 0; d < kDocuments; ++d) {
    const std::string id = fmt::format("d{}", d);
    std::vector<OpRecord> logged = ops(id);
    for (std::size_t i = 0; i < logged.size(); ++i) {
      EXPECT_EQ(logged[i].version, static_cast<std::int64_t>(i + 1)) << id;
      EXPECT_TRUE(keys.emplace(logged[i].client_id, logged[i].seq).second)
          << logged[i].client_id << " " << logged[i].seq;
    }
    EXPECT_EQ(find(id).version, static_cast<std::int64_t>(logged.size()));
    total += logged.size();
  }
  EXPECT_EQ(total, static_cast<std::size_t>(kThreads * kOpsPerThread));
}

TEST_F(OpsTest, FindOpByClientSeq) {
  make_document("w1", "d1", "Doc");
  commit_ok(op("d1", 1, "c1", 41));
  commit_ok(op("d1", 2, "c2", 41));

  auto found = store_->find_op("d1", "c2", 41);
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->version, 2);
  EXPECT_EQ((*found)->op_json, R"([{"p":["n"],"na":2}])");

  auto absent = store_->find_op("d1", "c1", 42);
  ASSERT_TRUE(absent);
  EXPECT_FALSE(absent->has_value());
  auto missing = store_->find_op("nope", "c1", 41);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
}

TEST_F(OpsTest, MaxSeqPerClient) {
  make_document("w1", "d1", "Doc");
  make_document("w1", "d2", "Other");
  commit_ok(op("d1", 1, "c1", 7));
  commit_ok(op("d1", 2, "c1", 3));
  commit_ok(op("d2", 1, "c1", 50));

  auto c1 = store_->max_op_seq("d1", "c1");
  ASSERT_TRUE(c1) << c1.error().message;
  ASSERT_TRUE(c1->has_value());
  EXPECT_EQ(**c1, 7);

  auto unknown = store_->max_op_seq("d1", "c2");
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(unknown->has_value());
}

TEST_F(OpsTest, ListOpsRangeAndLimit) {
  make_document("w1", "d1", "Doc");
  for (int version = 1; version <= 10; ++version) {
    commit_ok(op("d1", version));
  }
  auto versions = [&](std::int64_t from, std::int64_t to, int limit) {
    std::vector<std::int64_t> result;
    for (const OpRecord& record : ops("d1", from, to, limit)) {
      result.push_back(record.version);
    }
    return result;
  };
  EXPECT_EQ(versions(0, 3, 100), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(versions(7, 100, 100), (std::vector<std::int64_t>{8, 9, 10}));
  EXPECT_EQ(versions(2, 10, 2), (std::vector<std::int64_t>{3, 4}));
  EXPECT_TRUE(versions(5, 5, 100).empty());
  EXPECT_TRUE(versions(10, 20, 100).empty());

  for (auto [from, to, limit] : {std::tuple{-1, 5, 10}, std::tuple{5, 4, 10},
                                 std::tuple{0, 5, 0}, std::tuple{0, 5, 10001}}) {
    auto listed = store_->list_ops("d1", from, to, limit);
    ASSERT_FALSE(listed) << from << " " << to << " " << limit;
    EXPECT_EQ(listed.error().code, ErrorCode::invalid_request);
  }
  auto missing = store_->list_ops("nope", 0, 5, 10);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
}

TEST_F(OpsTest, SnapshotsAtAndBelowVersions) {
  make_document("w1", "d1", "Doc", R"({"v":0})");
  for (int version = 1; version <= 5; ++version) {
    std::optional<std::string> snapshot;
    if (version == 2 || version == 4) {
      snapshot = fmt::format(R"({{"v":{}}})", version);
    }
    commit_ok(op("d1", version), snapshot);
  }

  const std::map<std::int64_t, std::int64_t> expected = {{0, 0}, {1, 0}, {2, 2},
                                                         {3, 2}, {4, 4}, {99, 4}};
  for (auto [max_version, version] : expected) {
    auto found = store_->find_snapshot("d1", max_version);
    ASSERT_TRUE(found) << found.error().message;
    ASSERT_TRUE(found->has_value()) << max_version;
    EXPECT_EQ((*found)->version, version) << max_version;
    EXPECT_EQ((*found)->content_json, fmt::format(R"({{"v":{}}})", version));
  }

  Document document = find("d1");
  EXPECT_EQ(document.version, 5);
  EXPECT_EQ(document.content_version, 4);
  EXPECT_EQ(document.content_json, R"({"v":4})");
  auto listed = store_->list_documents(ListQuery{"w1", std::nullopt, 10, std::nullopt});
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->documents.size(), 1u);
  EXPECT_EQ(listed->documents[0].content_version, 4);
  EXPECT_EQ(listed->documents[0].content_json, R"({"v":4})");

  auto negative = store_->find_snapshot("d1", -1);
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().code, ErrorCode::invalid_request);
}

TEST_F(OpsTest, SaveSnapshot) {
  make_document("w1", "d1", "Doc", R"({"v":0})");
  for (int version = 1; version <= 3; ++version) {
    commit_ok(op("d1", version));
  }

  Status saved = store_->save_snapshot("d1", Snapshot{3, R"({"v":3})"});
  ASSERT_TRUE(saved) << saved.error().message;
  Document document = find("d1");
  EXPECT_EQ(document.content_version, 3);
  EXPECT_EQ(document.content_json, R"({"v":3})");
  auto older = store_->find_snapshot("d1", 2);
  ASSERT_TRUE(older);
  ASSERT_TRUE(older->has_value());
  EXPECT_EQ((*older)->version, 0);

  // Saving the same version again is harmless.
  ASSERT_TRUE(store_->save_snapshot("d1", Snapshot{3, R"({"v":3})"}));

  for (const Snapshot& bad : {Snapshot{4, "{}"}, Snapshot{-1, "{}"}, Snapshot{2, "[1]"},
                              Snapshot{2, "{not json"}}) {
    Status rejected = store_->save_snapshot("d1", bad);
    ASSERT_FALSE(rejected) << bad.version << " " << bad.content_json;
    EXPECT_EQ(rejected.error().code, ErrorCode::invalid_request);
  }
  EXPECT_EQ(count_rows("SELECT count(*) FROM document_snapshots WHERE document_id = 'd1'"), 2);

  Status missing = store_->save_snapshot("nope", Snapshot{0, "{}"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
}

TEST_F(OpsTest, ReindexReflectedInSearch) {
  make_document("w1", "d1", "Alpha", R"({"text":"original words"})", {}, 2000);
  make_document("w1", "d2", "Beta", R"({"text":"original words"})", {}, 2100);
  ASSERT_EQ(search_ids("original"), (std::vector<std::string>{"d2", "d1"}));

  // A commit leaves the index alone, even with a snapshot.
  commit_ok(op("d1", 1), R"({"text":"rewritten paragraph"})");
  EXPECT_TRUE(search_ids("rewritten").empty());

  Status reindexed = store_->reindex_document("d1", R"({"text":"rewritten paragraph"})");
  ASSERT_TRUE(reindexed) << reindexed.error().message;
  EXPECT_EQ(search_ids("rewritten"), std::vector<std::string>{"d1"});
  EXPECT_EQ(search_ids("original"), std::vector<std::string>{"d2"});
  EXPECT_EQ(search_ids("alpha"), std::vector<std::string>{"d1"});

  // The index row moved to the newest position.
  ASSERT_TRUE(store_->reindex_document("d1", R"({"text":"shared again"})"));
  ASSERT_TRUE(store_->reindex_document("d2", R"({"text":"shared again"})"));
  EXPECT_EQ(search_ids("shared"), (std::vector<std::string>{"d2", "d1"}));
  ASSERT_TRUE(store_->reindex_document("d1", R"({"text":"shared again"})"));
  EXPECT_EQ(search_ids("shared"), (std::vector<std::string>{"d1", "d2"}));

  Status invalid = store_->reindex_document("d1", "{broken");
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().code, ErrorCode::invalid_request);
  Status missing = store_->reindex_document("nope", "{}");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
  ASSERT_TRUE(store_->delete_document("d2"));
  Status deleted = store_->reindex_document("d2", "{}");
  ASSERT_FALSE(deleted);
  EXPECT_EQ(deleted.error().code, ErrorCode::not_found);
  EXPECT_EQ(search_ids("shared"), std::vector<std::string>{"d1"});
}

TEST_F(OpsTest, DatabaseIdStableAcrossReopen) {
  auto first = store_->database_id();
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->size(), 32u);
  reopen_store();
  auto second = store_->database_id();
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, *first);

  // Another file gets another id.
  SqliteOptions options;
  options.path = (dir_ / "other.db").string();
  auto other = open_sqlite_store(options);
  ASSERT_TRUE(other) << other.error().message;
  auto other_id = (*other)->database_id();
  ASSERT_TRUE(other_id);
  EXPECT_NE(*other_id, *first);
}

TEST_F(OpsTest, OpsSurviveReopen) {
  make_document("w1", "d1", "Doc");
  commit_ok(op("d1", 1));
  commit_ok(op("d1", 2), R"({"n":2})");
  reopen_store();
  EXPECT_EQ(find("d1").version, 2);
  EXPECT_EQ(find("d1").content_version, 2);
  EXPECT_EQ(ops("d1").size(), 2u);
  commit_ok(op("d1", 3));
  EXPECT_EQ(find("d1").version, 3);
}

}  // namespace
}  // namespace tandem::storage::testing
