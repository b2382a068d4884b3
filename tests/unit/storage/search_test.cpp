#include <algorithm>
#include <atomic>
#include <thread>

#include "search/query.h"
#include <fmt/format.h>

#include "store_fixture.h"

namespace tandem::storage::testing {
namespace {

class SearchTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    make_workspace("w1");
    make_workspace("w2");
  }

  SearchPage search(const std::string& text, SearchSort sort = SearchSort::updated_at,
                    std::optional<std::string> tag = std::nullopt, int limit = 20,
                    int offset = 0, const std::string& workspace = "w1") {
    auto page = store_->search(SearchQuery{workspace, text, std::move(tag), sort, limit, offset});
    EXPECT_TRUE(page) << text << ": " << page.error().message;
    return page.value_or(SearchPage{});
  }

  static std::vector<std::string> ids(const SearchPage& page) {
    std::vector<std::string> result;
    for (const SearchHit& hit : page.results) {
      result.push_back(hit.id);
    }
    return result;
  }

  static std::string body(const std::string& text) {
    return R"({"blocks": [{"text": ")" + text + R"("}]})";
  }
};

TEST_F(SearchTest, FindsWordsInBodyAndTitle) {
  make_document("w1", "d1", "Gardening", body("tomatoes need sun"));
  make_document("w1", "d2", "Tomatoes", body("a list"));
  make_document("w1", "d3", "Other", body("nothing here"));
  EXPECT_EQ(ids(search("tomatoes")), (std::vector<std::string>{"d2", "d1"}));
  EXPECT_EQ(ids(search("need sun")), std::vector<std::string>{"d1"});
  EXPECT_TRUE(ids(search("absent")).empty());
}

TEST_F(SearchTest, SearchesNestedStringsNotKeys) {
  make_document("w1", "d1", "t",
                R"({"blocks": [{"items": [{"text": "deepword"}]}], "keyword": 5})");
  EXPECT_EQ(ids(search("deepword")), std::vector<std::string>{"d1"});
  EXPECT_TRUE(ids(search("keyword")).empty());
  EXPECT_TRUE(ids(search("blocks")).empty());
}

TEST_F(SearchTest, LastWordIsPrefix) {
  make_document("w1", "d1", "t", body("real-time collaboration"));
  EXPECT_EQ(ids(search("collab")), std::vector<std::string>{"d1"});
  EXPECT_EQ(ids(search("c")), std::vector<std::string>{"d1"});
  EXPECT_EQ(ids(search("real collab")), std::vector<std::string>{"d1"});
  // Only the last word is a prefix; earlier words match whole words.
  EXPECT_TRUE(ids(search("rea collaboration")).empty());
}

TEST_F(SearchTest, MatchesWordsNotSubstrings) {
  make_document("w1", "d1", "t", body("category"));
  EXPECT_TRUE(ids(search("ego")).empty());
  EXPECT_TRUE(ids(search("gory")).empty());
}

TEST_F(SearchTest, WorkspacesAreIsolated) {
  make_document("w1", "d1", "shared word", body("apple"));
  make_document("w2", "x1", "shared word", body("apple"));
  EXPECT_EQ(ids(search("apple")), std::vector<std::string>{"d1"});
  EXPECT_EQ(ids(search("apple", SearchSort::relevance)), std::vector<std::string>{"d1"});
  EXPECT_EQ(ids(search("apple", SearchSort::updated_at, {}, 20, 0, "w2")),
            std::vector<std::string>{"x1"});
  EXPECT_TRUE(ids(search("apple", SearchSort::updated_at, {}, 20, 0, "w3")).empty());
}

TEST_F(SearchTest, WorkspaceTokenInTextDoesNotLeak) {
  // A document in w2 whose text spells w1's meta token must not match in w1.
  make_document("w2", "x1", "ws7731", body("ws7731 apple"));
  EXPECT_TRUE(ids(search("apple")).empty());
  EXPECT_TRUE(ids(search("ws7731")).empty());
}

TEST_F(SearchTest, TagFilter) {
  make_document("w1", "d1", "t", body("pear"), {"fruit"});
  make_document("w1", "d2", "t", body("pear"), {"tree", "Fruit"});
  make_document("w1", "d3", "t", body("pear"), {"fruit", "x y"});
  make_document("w2", "x1", "t", body("pear"), {"fruit"});
  EXPECT_EQ(ids(search("pear", SearchSort::updated_at, "fruit")),
            (std::vector<std::string>{"d3", "d1"}));
  EXPECT_EQ(ids(search("pear", SearchSort::relevance, "fruit")).size(), 2u);
  EXPECT_EQ(ids(search("pear", SearchSort::updated_at, "x y")), std::vector<std::string>{"d3"});
  EXPECT_TRUE(ids(search("pear", SearchSort::updated_at, "x")).empty());
  EXPECT_EQ(search("pear", SearchSort::updated_at, "fruit").total, 2);
}

TEST_F(SearchTest, RecencyOrderFollowsUpdates) {
  make_document("w1", "d1", "t", body("plum"));
  make_document("w1", "d2", "t", body("plum"));
  make_document("w1", "d3", "t", body("plum"));
  ASSERT_TRUE(store_->update_document_meta("d1", DocumentMetaUpdate{{"t2"}, {}, "u", 5000}));
  EXPECT_EQ(ids(search("plum")), (std::vector<std::string>{"d1", "d3", "d2"}));
  SearchPage page = search("plum");
  EXPECT_EQ(page.results[0].updated_at, 5000);
}

TEST_F(SearchTest, RelevanceWeightsTitle) {
  make_document("w1", "d1", "Notes", body("kiwi appears in the body once among many other words"));
  make_document("w1", "d2", "Kiwi", body("about a fruit"));
  make_document("w1", "d3", "Later", body("no match"));
  EXPECT_EQ(ids(search("kiwi", SearchSort::relevance)), (std::vector<std::string>{"d2", "d1"}));
  EXPECT_EQ(ids(search("kiwi")), (std::vector<std::string>{"d2", "d1"}));
}

TEST_F(SearchTest, RelevancePrefersMoreMatches) {
  make_document("w1", "d1", "a", body("lime lime lime lime in short"));
  make_document("w1", "d2", "b", body("lime once in a much longer text with many other words here"));
  EXPECT_EQ(ids(search("lime", SearchSort::relevance)), (std::vector<std::string>{"d1", "d2"}));
  EXPECT_EQ(ids(search("lime")), (std::vector<std::string>{"d2", "d1"}));
}

TEST_F(SearchTest, OffsetLimitAndTotal) {
  for (int i = 0; i < 25; ++i) {
    make_document("w1", fmt::format("d{}", i), "t", body("grape"));
  }
  SearchPage first = search("grape", SearchSort::updated_at, {}, 10, 0);
  EXPECT_EQ(first.total, 25);
  EXPECT_TRUE(first.total_is_exact);
  ASSERT_EQ(first.results.size(), 10u);
  EXPECT_EQ(first.results[0].id, "d24");

  SearchPage last = search("grape", SearchSort::updated_at, {}, 10, 20);
  EXPECT_EQ(last.total, 25);
  EXPECT_EQ(ids(last), (std::vector<std::string>{"d4", "d3", "d2", "d1", "d0"}));

  SearchPage ranked = search("grape", SearchSort::relevance, {}, 10, 20);
  EXPECT_EQ(ranked.results.size(), 5u);
  EXPECT_EQ(ranked.total, 25);

  EXPECT_TRUE(search("grape", SearchSort::updated_at, {}, 10, 30).results.empty());
}

TEST_F(SearchTest, RejectsBadLimitAndOffset) {
  for (auto [limit, offset] : {std::pair{0, 0}, {101, 0}, {10, -1}, {10, 10001}}) {
    auto page = store_->search(SearchQuery{"w1", "x", {}, SearchSort::updated_at, limit, offset});
    ASSERT_FALSE(page);
    EXPECT_EQ(page.error().code, ErrorCode::invalid_request);
  }
}

TEST_F(SearchTest, SnippetMarksMatchAndEscapes) {
  make_document("w1", "d1", "t", body("if a < b && c > d then <b>bold</b> matters"));
  SearchPage page = search("bold");
  ASSERT_EQ(page.results.size(), 1u);
  const std::string& snippet = page.results[0].snippet;
  EXPECT_NE(snippet.find("<mark>bold</mark>"), std::string::npos) << snippet;
  EXPECT_NE(snippet.find("&lt;b&gt;"), std::string::npos) << snippet;
  EXPECT_NE(snippet.find("&amp;&amp;"), std::string::npos) << snippet;
  EXPECT_EQ(snippet.find("<b>"), std::string::npos) << snippet;
}

TEST_F(SearchTest, SnippetFromTitleWhenOnlyTitleMatches) {
  make_document("w1", "d1", "Quarterly <plan>", body("nothing relevant"));
  SearchPage page = search("quarter");
  ASSERT_EQ(page.results.size(), 1u);
  EXPECT_EQ(page.results[0].snippet, "<mark>Quarterly</mark> &lt;plan&gt;");
  EXPECT_EQ(page.results[0].title, "Quarterly <plan>");
}

TEST_F(SearchTest, ChangesAreVisibleImmediately) {
  make_document("w1", "d1", "Alpha", body("melon"), {"a"});
  EXPECT_EQ(ids(search("alpha")), std::vector<std::string>{"d1"});

  ASSERT_TRUE(store_->update_document_meta(
      "d1", DocumentMetaUpdate{{"Beta"}, std::vector<std::string>{"b"}, "u", 3000}));
  EXPECT_TRUE(ids(search("alpha")).empty());
  EXPECT_EQ(ids(search("beta")), std::vector<std::string>{"d1"});
  EXPECT_EQ(ids(search("melon")), std::vector<std::string>{"d1"});
  EXPECT_TRUE(ids(search("melon", SearchSort::updated_at, "a")).empty());
  EXPECT_EQ(ids(search("melon", SearchSort::updated_at, "b")), std::vector<std::string>{"d1"});

  ASSERT_TRUE(store_->delete_document("d1"));
  EXPECT_TRUE(ids(search("melon")).empty());
  EXPECT_TRUE(ids(search("melon", SearchSort::relevance)).empty());
  EXPECT_EQ(search("melon").total, 0);
}

TEST_F(SearchTest, DiacriticsAndCaseFold) {
  make_document("w1", "d1", "t", body("Crème Brûlée"));
  EXPECT_EQ(ids(search("creme brulee")), std::vector<std::string>{"d1"});
  EXPECT_EQ(ids(search("CRÈME")), std::vector<std::string>{"d1"});
}

TEST_F(SearchTest, HostileQueriesNeverFail) {
  make_document("w1", "d1", "AND OR NOT", body("NEAR the e-mail of \\\"quoted\\\" text: 100% (done) ^x"));
  const std::vector<std::string> hostile = {
      "", " ", "\"", "\"\"", "'", "*", "**", "-", "--", ":", "::", "NEAR", "NEAR(", "NEAR/2",
      "AND", "OR", "NOT", "AND OR NOT", "(", ")", "()", "(a", "a)", "^", "^^", "+", "a*b*c",
      "col:val", "title:x", "{title}: x", "meta:ws7731", "\\", "%", "_", "😀", "👍🏽 👍🏽",
      "\xff", "\xc3", "e-mail", "\"e-mail\"", "-the", "NOT the", "the NOT", "a OR", "OR a",
      "NEAR(the e-mail, 3)", "x AND (y OR", "  \t\n", "!!!", "<script>", "&amp;", "\x01\x02",
      std::string(2000, '"'), std::string(3000, 'a'), std::string(100, '*') + "the"};
  for (const std::string& text : hostile) {
    for (SearchSort sort : {SearchSort::updated_at, SearchSort::relevance}) {
      auto page = store_->search(SearchQuery{"w1", text, std::nullopt, sort, 20, 0});
      EXPECT_TRUE(page) << "query " << text << ": " << page.error().message;
    }
  }
  EXPECT_EQ(ids(search("NEAR")), std::vector<std::string>{"d1"});
  EXPECT_EQ(ids(search("AND OR")), std::vector<std::string>{"d1"});
  EXPECT_EQ(ids(search("e-mail")), std::vector<std::string>{"d1"});
  EXPECT_EQ(ids(search("\"quoted\"")), std::vector<std::string>{"d1"});
  EXPECT_EQ(ids(search("(done)")), std::vector<std::string>{"d1"});
  EXPECT_EQ(ids(search("-the")), std::vector<std::string>{"d1"});
  EXPECT_TRUE(ids(search("😀")).empty());
  EXPECT_EQ(search("").total, 0);
}

TEST_F(SearchTest, TotalIsCappedForCommonWords) {
  // Enough matches to pass the cap, written from several threads so the
  // writes share group commits.
  constexpr int kThreads = 8;
  constexpr int kPerThread = 30;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &failures] {
      for (int i = 0; i < kPerThread; ++i) {
        auto created = store_->create_document(NewDocument{
            fmt::format("d{}_{}", t, i), "w1", "t", body("common"), {},
            "u", 1});
        failures += created ? 0 : 1;
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  ASSERT_EQ(failures.load(), 0);
  SearchPage page = search("common");
  EXPECT_EQ(page.total, 100);
  EXPECT_FALSE(page.total_is_exact);
  EXPECT_EQ(page.results.size(), 20u);
  SearchPage ranked = search("common", SearchSort::relevance);
  EXPECT_EQ(ranked.total, 100);
  EXPECT_FALSE(ranked.total_is_exact);
  EXPECT_EQ(ranked.results.size(), 20u);
}

}  // namespace
}  // namespace tandem::storage::testing
