#include <fstream>
#include <future>

#include "storage/sqlite/connection.h"
#include "storage/sqlite/migrations.h"
#include "store_fixture.h"

namespace tandem::storage::testing {
namespace {

using sqlite::Connection;

class MigrationsTest : public StoreTest {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "tandem-migrate-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }

  std::unique_ptr<Connection> raw() {
    auto connection =
        Connection::open(path(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 1000);
    EXPECT_TRUE(connection);
    return std::move(*connection);
  }

  std::vector<std::int64_t> applied_versions() {
    auto connection = raw();
    auto query = connection->prepare("SELECT version FROM schema_migrations ORDER BY version");
    EXPECT_TRUE(query);
    std::vector<std::int64_t> versions;
    while (query->step().value_or(false)) {
      versions.push_back(query->integer(0));
    }
    return versions;
  }
};

TEST_F(MigrationsTest, NewFileGetsEveryVersion) {
  open_store();
  store_.reset();
  EXPECT_EQ(applied_versions(), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(sqlite::latest_schema_version(), 5);
}

TEST_F(MigrationsTest, ReopenRunsNothingAgain) {
  open_store();
  make_workspace("w1");
  reopen_store();
  store_.reset();
  EXPECT_EQ(applied_versions(), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
}

TEST_F(MigrationsTest, UpgradesExistingFileAndIndexesIt) {
  // A file left at schema version 1 by an older build, with one document.
  {
    auto connection = raw();
    ASSERT_TRUE(sqlite::migrate(*connection, 1));
    ASSERT_TRUE(connection->exec(
        "INSERT INTO workspaces VALUES ('w1', 'W', 'u1', 1);"
        "INSERT INTO members VALUES ('w1', 'u1', 3);"
        "INSERT INTO documents (id, workspace_id, title, content, version, tags, created_by,"
        " last_edited_by, created_at, updated_at, rev) VALUES ('d1', 'w1', 'Old title',"
        " '{\"blocks\":[\"legacy paragraph\"]}', 4, '[\"kept\"]', 'u1', 'u1', 10, 20, 7);"));
  }
  EXPECT_EQ(applied_versions(), std::vector<std::int64_t>{1});

  open_store();
  auto hits = store_->search(SearchQuery{"w1", "legacy", std::string("kept"),
                                         SearchSort::updated_at, 20, 0});
  ASSERT_TRUE(hits) << hits.error().message;
  ASSERT_EQ(hits->results.size(), 1u);
  EXPECT_EQ(hits->results[0].id, "d1");
  auto found = store_->find_document("d1");
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->version, 4);

  // New writes continue above the migrated positions.
  make_document("w1", "d2", "New title");
  auto page = store_->list_documents(ListQuery{"w1", std::nullopt, 10, std::nullopt});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->documents.size(), 2u);
  EXPECT_EQ(page->documents[0].id, "d2");
  store_.reset();
  EXPECT_EQ(applied_versions(), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
}

TEST_F(MigrationsTest, UpgradesVersionTwoFileToOpLog) {
  // A file left at schema version 2 by the build before the op log: one live
  // document at version 0 and one deleted document.
  {
    auto connection = raw();
    ASSERT_TRUE(sqlite::migrate(*connection, 2));
    ASSERT_TRUE(connection->exec(
        "INSERT INTO workspaces VALUES ('w1', 'W', 'u1', 1);"
        "INSERT INTO members VALUES ('w1', 'u1', 3);"
        "INSERT INTO documents (id, workspace_id, title, content, version, tags, created_by,"
        " last_edited_by, created_at, updated_at, rev, search_rowid) VALUES ('d1', 'w1',"
        " 'Plan', '{\"blocks\":[\"first draft\"]}', 0, '[\"t\"]', 'u1', 'u1', 10, 20, 3, 3);"
        "INSERT INTO document_search (rowid, title, body, meta) VALUES (3, 'Plan',"
        " 'first draft', 'ws7731');"
        "INSERT INTO documents (id, workspace_id, title, content, version, tags, created_by,"
        " last_edited_by, created_at, updated_at, rev, deleted_at) VALUES ('gone', 'w1',"
        " 'Gone', '{}', 0, '[]', 'u1', 'u1', 10, 20, 4, 30);"));
  }
  EXPECT_EQ(applied_versions(), (std::vector<std::int64_t>{1, 2}));

  open_store();

  // The content became the first snapshot; reads return it unchanged.
  auto found = store_->find_document("d1");
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->content_json, R"({"blocks":["first draft"]})");
  EXPECT_EQ((*found)->content_version, 0);
  EXPECT_EQ((*found)->version, 0);
  auto snapshot = store_->find_snapshot("d1", 0);
  ASSERT_TRUE(snapshot) << snapshot.error().message;
  ASSERT_TRUE(snapshot->has_value());
  EXPECT_EQ((*snapshot)->content_json, R"({"blocks":["first draft"]})");
  auto deleted = store_->find_document("gone");
  ASSERT_TRUE(deleted);
  EXPECT_FALSE(deleted->has_value());

  // The file has a database id and takes op commits.
  auto id = store_->database_id();
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(id->size(), 32u);
  std::promise<Status> promise;
  store_->commit_op(OpCommit{OpRecord{"d1", 1, R"([{"p":["blocks",0,0],"si":"a "}])", "u1", "c1", 1, 50},
                             std::nullopt},
                    [&](const Status& status) { promise.set_value(status); });
  Status committed = promise.get_future().get();
  ASSERT_TRUE(committed) << committed.error().message;
  found = store_->find_document("d1");
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->version, 1);
  EXPECT_EQ((*found)->updated_at, 50);

  // Search still finds the migrated index row.
  auto hits = store_->search(SearchQuery{"w1", "draft", std::nullopt, SearchSort::updated_at, 20, 0});
  ASSERT_TRUE(hits) << hits.error().message;
  ASSERT_EQ(hits->results.size(), 1u);
  EXPECT_EQ(hits->results[0].id, "d1");
  store_.reset();
  EXPECT_EQ(applied_versions(), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
}

TEST_F(MigrationsTest, UpgradesVersionFourFileToClientKeys) {
  // A file at schema version 4, whose op log still carried the UNIQUE key:
  // client c1 committed seqs 3 and 9, client c2 seq 4.
  {
    auto connection = raw();
    ASSERT_TRUE(sqlite::migrate(*connection, 4));
    ASSERT_TRUE(connection->exec(
        "INSERT INTO workspaces VALUES ('w1', 'W', 'u1', 1);"
        "INSERT INTO members VALUES ('w1', 'u1', 3);"
        "INSERT INTO documents (id, workspace_id, title, version, tags, created_by,"
        " last_edited_by, created_at, updated_at, rev, search_rowid) VALUES ('d1', 'w1',"
        " 'Plan', 3, '[]', 'u1', 'u1', 10, 20, 3, 3);"
        "INSERT INTO document_snapshots (document_id, version, content) VALUES ('d1', 0, '{\"n\":0}');"
        "INSERT INTO ops VALUES ('d1', 1, '[{\"p\":[\"n\"],\"na\":1}]', 'u1', 'c1', 3, 11);"
        "INSERT INTO ops VALUES ('d1', 2, '[{\"p\":[\"n\"],\"na\":1}]', 'u1', 'c2', 4, 12);"
        "INSERT INTO ops VALUES ('d1', 3, '[{\"p\":[\"n\"],\"na\":1}]', 'u1', 'c1', 9, 13);"));
  }

  open_store();
  auto c1 = store_->max_op_seq("d1", "c1");
  ASSERT_TRUE(c1) << c1.error().message;
  ASSERT_TRUE(c1->has_value());
  EXPECT_EQ(**c1, 9);
  auto older = store_->find_op("d1", "c1", 3);
  ASSERT_TRUE(older) << older.error().message;
  ASSERT_TRUE(older->has_value());
  EXPECT_EQ((*older)->version, 1);
  auto ops = store_->list_ops("d1", 0, 10, 10);
  ASSERT_TRUE(ops) << ops.error().message;
  EXPECT_EQ(ops->size(), 3u);

  // Replays of migrated keys are still refused; new seqs commit.
  for (auto [client, seq] : {std::pair{"c1", 3}, std::pair{"c2", 4}}) {
    std::promise<Status> replay;
    store_->commit_op(OpCommit{OpRecord{"d1", 4, R"([{"p":["n"],"na":1}])", "u1", client, seq, 50}, std::nullopt},
                      [&](const Status& status) { replay.set_value(status); });
    Status status = replay.get_future().get();
    ASSERT_FALSE(status) << client;
    EXPECT_EQ(status.error().code, ErrorCode::invalid_request);
  }
  std::promise<Status> fresh;
  store_->commit_op(OpCommit{OpRecord{"d1", 4, R"([{"p":["n"],"na":1}])", "u1", "c2", 5, 50}, std::nullopt},
                    [&](const Status& status) { fresh.set_value(status); });
  Status committed = fresh.get_future().get();
  ASSERT_TRUE(committed) << committed.error().message;
  store_.reset();
  EXPECT_EQ(applied_versions(), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
}

TEST_F(MigrationsTest, RejectsNewerFile) {
  open_store();
  store_.reset();
  ASSERT_TRUE(raw()->exec("INSERT INTO schema_migrations VALUES (99, 'future', 0)"));

  SqliteOptions options;
  options.path = path();
  auto opened = open_sqlite_store(options);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::internal);
  EXPECT_NE(opened.error().message.find("schema version 99"), std::string::npos)
      << opened.error().message;
}

TEST_F(MigrationsTest, RejectsFileThatIsNotADatabase) {
  {
    std::ofstream garbage(path());
    garbage << std::string(4096, 'x');
  }
  SqliteOptions options;
  options.path = path();
  auto opened = open_sqlite_store(options);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::internal);
  EXPECT_NE(opened.error().message.find(path()), std::string::npos) << opened.error().message;
}

TEST_F(MigrationsTest, RejectsBadOptions) {
  SqliteOptions options;
  options.path = path();
  options.read_connections = 0;
  auto opened = open_sqlite_store(options);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::invalid_request);
  options.path.clear();
  options.read_connections = 2;
  EXPECT_FALSE(open_sqlite_store(options));
  options.path = path();
  for (int cache_mib : {0, 4097}) {
    options.writer_cache_mib = cache_mib;
    auto rejected = open_sqlite_store(options);
    ASSERT_FALSE(rejected) << cache_mib;
    EXPECT_EQ(rejected.error().code, ErrorCode::invalid_request);
    EXPECT_NE(rejected.error().message.find("writer_cache_mib"), std::string::npos);
  }
}

}  // namespace
}  // namespace tandem::storage::testing
