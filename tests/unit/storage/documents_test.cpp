#include <set>

#include <fmt/format.h>

#include "store_fixture.h"

namespace tandem::storage::testing {
namespace {

class DocumentsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    make_workspace("w1");
    make_workspace("w2");
  }

  std::vector<std::string> list_ids(const ListQuery& query, std::optional<std::string>* next) {
    auto page = store_->list_documents(query);
    EXPECT_TRUE(page) << page.error().message;
    std::vector<std::string> ids;
    if (page) {
      for (const Document& document : page->documents) {
        ids.push_back(document.id);
      }
      *next = page->next_cursor;
    }
    return ids;
  }
};

TEST_F(DocumentsTest, CreateAndFind) {
  Document created = make_document("w1", "d1", "Title", R"({"blocks":["x"]})", {"a", "b", "a"});
  EXPECT_EQ(created.version, 0);
  EXPECT_EQ(created.tags, (std::vector<std::string>{"a", "b"}));

  auto found = store_->find_document("d1");
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  const Document& document = **found;
  EXPECT_EQ(document.workspace_id, "w1");
  EXPECT_EQ(document.title, "Title");
  EXPECT_EQ(document.content_json, R"({"blocks":["x"]})");
  EXPECT_EQ(document.tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(document.created_by, "u_owner");
  EXPECT_EQ(document.last_edited_by, "u_owner");
  EXPECT_EQ(document.created_at, 2000);
  EXPECT_EQ(document.updated_at, 2000);
}

TEST_F(DocumentsTest, CreateInUnknownWorkspace) {
  auto created = store_->create_document(NewDocument{"d1", "nope", "t", "{}", {}, "u", 1});
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, ErrorCode::not_found);
  auto found = store_->find_document("d1");
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->has_value());
}

TEST_F(DocumentsTest, CreateRejectsInvalidContent) {
  auto created = store_->create_document(NewDocument{"d1", "w1", "t", "{oops", {}, "u", 1});
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, ErrorCode::invalid_request);
}

TEST_F(DocumentsTest, UpdateMetaChangesTitleAndTags) {
  make_document("w1", "d1", "Old", "{}", {"x"});
  auto updated = store_->update_document_meta(
      "d1", DocumentMetaUpdate{std::string("New"), std::nullopt, "u2", 3000});
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(updated->title, "New");
  EXPECT_EQ(updated->tags, std::vector<std::string>{"x"});
  EXPECT_EQ(updated->last_edited_by, "u2");
  EXPECT_EQ(updated->updated_at, 3000);

  updated = store_->update_document_meta(
      "d1", DocumentMetaUpdate{std::nullopt, std::vector<std::string>{"y", "z"}, "u3", 4000});
  ASSERT_TRUE(updated);
  auto found = store_->find_document("d1");
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->title, "New");
  EXPECT_EQ((*found)->tags, (std::vector<std::string>{"y", "z"}));
  EXPECT_EQ((*found)->last_edited_by, "u3");
  EXPECT_EQ((*found)->created_at, 2000);
}

TEST_F(DocumentsTest, UpdatedAtNeverGoesBackwards) {
  make_document("w1", "d1", "a", "{}", {}, 5000);
  auto updated =
      store_->update_document_meta("d1", DocumentMetaUpdate{std::string("b"), {}, "u", 4000});
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->updated_at, 5000);
}

TEST_F(DocumentsTest, UpdateUnknownDocument) {
  auto updated = store_->update_document_meta("nope", DocumentMetaUpdate{{}, {}, "u", 1});
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.error().code, ErrorCode::not_found);
  EXPECT_NE(updated.error().message.find("nope"), std::string::npos);
}

TEST_F(DocumentsTest, DeleteHidesDocument) {
  make_document("w1", "d1", "gone", "{}", {"t"});
  ASSERT_TRUE(store_->delete_document("d1"));

  auto found = store_->find_document("d1");
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->has_value());

  std::optional<std::string> next;
  EXPECT_TRUE(list_ids(ListQuery{"w1", std::nullopt, 20, std::nullopt}, &next).empty());
  EXPECT_TRUE(list_ids(ListQuery{"w1", std::string("t"), 20, std::nullopt}, &next).empty());

  Status again = store_->delete_document("d1");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::not_found);
  auto update = store_->update_document_meta("d1", DocumentMetaUpdate{{}, {}, "u", 1});
  ASSERT_FALSE(update);
  EXPECT_EQ(update.error().code, ErrorCode::not_found);
}

TEST_F(DocumentsTest, ListNewestFirstPerWorkspace) {
  make_document("w1", "d1", "one");
  make_document("w2", "x1", "other");
  make_document("w1", "d2", "two");
  make_document("w1", "d3", "three");

  std::optional<std::string> next;
  EXPECT_EQ(list_ids(ListQuery{"w1", std::nullopt, 20, std::nullopt}, &next),
            (std::vector<std::string>{"d3", "d2", "d1"}));
  EXPECT_FALSE(next);
}

TEST_F(DocumentsTest, ListByTag) {
  make_document("w1", "d1", "one", "{}", {"red"});
  make_document("w1", "d2", "two", "{}", {"blue"});
  make_document("w1", "d3", "three", "{}", {"red", "blue"});
  make_document("w2", "x1", "other", "{}", {"red"});

  std::optional<std::string> next;
  EXPECT_EQ(list_ids(ListQuery{"w1", std::string("red"), 20, std::nullopt}, &next),
            (std::vector<std::string>{"d3", "d1"}));
  EXPECT_EQ(list_ids(ListQuery{"w1", std::string("Red"), 20, std::nullopt}, &next),
            std::vector<std::string>{});

  ASSERT_TRUE(store_->update_document_meta(
      "d1", DocumentMetaUpdate{{}, std::vector<std::string>{"blue"}, "u", 3000}));
  EXPECT_EQ(list_ids(ListQuery{"w1", std::string("red"), 20, std::nullopt}, &next),
            (std::vector<std::string>{"d3"}));
  EXPECT_EQ(list_ids(ListQuery{"w1", std::string("blue"), 20, std::nullopt}, &next),
            (std::vector<std::string>{"d1", "d3", "d2"}));
}

TEST_F(DocumentsTest, CursorPagesWithoutGaps) {
  for (int i = 0; i < 7; ++i) {
    make_document("w1", fmt::format("d{}", i), "doc");
  }
  std::vector<std::string> seen;
  std::optional<std::string> cursor;
  int pages = 0;
  do {
    std::optional<std::string> next;
    auto ids = list_ids(ListQuery{"w1", std::nullopt, 3, cursor}, &next);
    seen.insert(seen.end(), ids.begin(), ids.end());
    cursor = next;
    ++pages;
  } while (cursor && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"d6", "d5", "d4", "d3", "d2", "d1", "d0"}));
}

TEST_F(DocumentsTest, CursorStableWhileDocumentsChange) {
  for (int i = 0; i < 10; ++i) {
    make_document("w1", fmt::format("d{}", i), "doc", "{}", {}, 2000 + i);
  }

  std::optional<std::string> next;
  auto first = list_ids(ListQuery{"w1", std::nullopt, 4, std::nullopt}, &next);
  EXPECT_EQ(first, (std::vector<std::string>{"d9", "d8", "d7", "d6"}));
  ASSERT_TRUE(next);

  // Between pages: a seen document and an unseen one change, one unseen is
  // deleted and a new one arrives. The changed ones move to the front.
  ASSERT_TRUE(store_->update_document_meta("d8", DocumentMetaUpdate{{"x"}, {}, "u", 9000}));
  ASSERT_TRUE(store_->update_document_meta("d3", DocumentMetaUpdate{{"x"}, {}, "u", 9001}));
  ASSERT_TRUE(store_->delete_document("d5"));
  make_document("w1", "d10", "new", "{}", {}, 9002);

  std::vector<std::string> rest;
  std::optional<std::string> cursor = next;
  while (cursor) {
    auto ids = list_ids(ListQuery{"w1", std::nullopt, 4, cursor}, &next);
    rest.insert(rest.end(), ids.begin(), ids.end());
    cursor = next;
  }
  // Every unchanged, undeleted document not yet seen, exactly once, in order;
  // d3 changed after the first page, so a new listing shows it at the front.
  EXPECT_EQ(rest, (std::vector<std::string>{"d4", "d2", "d1", "d0"}));

  auto fresh = list_ids(ListQuery{"w1", std::nullopt, 3, std::nullopt}, &next);
  EXPECT_EQ(fresh, (std::vector<std::string>{"d10", "d3", "d8"}));
}

TEST_F(DocumentsTest, InvalidCursorNamesValue) {
  for (const std::string bad : {"", "garbage", "c1.", "c1.-5", "c1.0", "c1.ZZ", "c1.zz!",
                                "c1.zzzzzzzzzzzzzzzzzz"}) {
    auto page = store_->list_documents(ListQuery{"w1", std::nullopt, 20, bad});
    ASSERT_FALSE(page) << bad;
    EXPECT_EQ(page.error().code, ErrorCode::invalid_request);
    EXPECT_NE(page.error().message.find("\"" + bad), std::string::npos) << page.error().message;
  }
}

TEST_F(DocumentsTest, ListRejectsBadLimit) {
  for (int limit : {0, -1, 1001}) {
    auto page = store_->list_documents(ListQuery{"w1", std::nullopt, limit, std::nullopt});
    ASSERT_FALSE(page);
    EXPECT_EQ(page.error().code, ErrorCode::invalid_request);
    EXPECT_NE(page.error().message.find(std::to_string(limit)), std::string::npos);
  }
}

TEST_F(DocumentsTest, SurvivesReopen) {
  make_document("w1", "d1", "kept", R"({"t":"body"})", {"k"});
  reopen_store();
  auto found = store_->find_document("d1");
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->title, "kept");
  EXPECT_EQ((*found)->tags, std::vector<std::string>{"k"});

  // Update order continues after the restart: new writes sort first.
  make_document("w1", "d2", "after");
  std::optional<std::string> next;
  EXPECT_EQ(list_ids(ListQuery{"w1", std::nullopt, 20, std::nullopt}, &next),
            (std::vector<std::string>{"d2", "d1"}));
  auto hits = store_->search(SearchQuery{"w1", "body", std::nullopt, SearchSort::updated_at, 20, 0});
  ASSERT_TRUE(hits);
  ASSERT_EQ(hits->results.size(), 1u);
  EXPECT_EQ(hits->results[0].id, "d1");
}

}  // namespace
}  // namespace tandem::storage::testing
