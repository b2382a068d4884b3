#include "search/text.h"

#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "search/query.h"
#include "search/snippet.h"
#include "search/tokens.h"

namespace tandem::search {
namespace {

TEST(ExtractText, CollectsEveryStringInOrder) {
  auto text = extract_text(
      R"({"blocks": [{"type": "p", "text": "first"}, {"items": ["a", {"deep": "b"}]}],
          "count": 3, "done": true, "none": null, "title": "last"})");
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "p\nfirst\na\nb\nlast");
}

TEST(ExtractText, SkipsKeysAndEmptyStrings) {
  auto text = extract_text(R"({"secretkey": "", "k": "v"})");
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "v");
}

TEST(ExtractText, ReplacesControlCharacters) {
  auto text = extract_text(R"({"t": "a\u0001b\u0002c\nd"})");
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "a b c d");
}

TEST(ExtractText, RejectsInvalidJson) {
  auto text = extract_text("{\"a\": ");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, ErrorCode::invalid_request);
}

TEST(ExtractText, HandlesDeepNesting) {
  std::string json;
  for (int i = 0; i < 5000; ++i) {
    json += "[";
  }
  json += "\"bottom\"";
  for (int i = 0; i < 5000; ++i) {
    json += "]";
  }
  auto text = extract_text(json);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "bottom");
}

TEST(MakeSnippet, MarksAndEscapes) {
  const QueryTerms terms = query_terms("match");
  EXPECT_EQ(make_snippet("a <b> & match \"q\" 'x'", terms),
            "a &lt;b&gt; &amp; <mark>match</mark> &quot;q&quot; &#39;x&#39;");
}

TEST(MakeSnippet, EscapesInjectedMarkup) {
  const QueryTerms terms = query_terms("zzz");
  EXPECT_EQ(make_snippet("<mark>x</mark><script>", terms),
            "&lt;mark&gt;x&lt;/mark&gt;&lt;script&gt;");
}

TEST(MakeSnippet, LastTermIsPrefixOthersWhole) {
  const QueryTerms terms = query_terms("real collab");
  EXPECT_EQ(make_snippet("unreal real-time collaboration realm", terms),
            "unreal <mark>real</mark>-time <mark>collaboration</mark> realm");
}

TEST(MakeSnippet, FoldsCaseAndDiacritics) {
  EXPECT_EQ(make_snippet("La Crème BRÛLÉE", query_terms("creme brulee")),
            "La <mark>Crème</mark> <mark>BRÛLÉE</mark>");
  EXPECT_EQ(make_snippet("Creme", query_terms("CRÈME")), "<mark>Creme</mark>");
}

TEST(MakeSnippet, WindowAroundBestMatch) {
  std::string text;
  for (int i = 0; i < 40; ++i) {
    text += fmt::format("w{} ", i);
  }
  text += "alpha x beta";
  for (int i = 40; i < 80; ++i) {
    text += fmt::format(" w{}", i);
  }
  const std::string snippet = make_snippet(text, query_terms("alpha beta"), 6);
  EXPECT_EQ(snippet, "… w38 w39 <mark>alpha</mark> x <mark>beta</mark> w40 …");
}

TEST(MakeSnippet, PrefersWindowWithMoreDistinctTerms) {
  const std::string text =
      "one a b c d e f g h i j k l m n o p q r s t one two end";
  EXPECT_EQ(make_snippet(text, query_terms("one two"), 4),
            "… s t <mark>one</mark> <mark>two</mark> …");
}

TEST(MakeSnippet, StartOfTextWithoutMatch) {
  EXPECT_EQ(make_snippet("first second third", query_terms("zzz"), 2), "first second …");
  EXPECT_EQ(make_snippet("", query_terms("zzz")), "");
  EXPECT_EQ(make_snippet("!!! ???", query_terms("zzz")), "");
}

TEST(MakeSnippet, JoinsLinesWithSpaces) {
  EXPECT_EQ(make_snippet("a\nmatch\n\nb", query_terms("match")), "a <mark>match</mark> b");
}

TEST(ContainsMatch, FindsFoldedPrefix) {
  EXPECT_TRUE(contains_match("Quarterly plan", query_terms("quarter")));
  EXPECT_FALSE(contains_match("Quarterly plan", query_terms("quarter plans")));
  EXPECT_FALSE(contains_match("", query_terms("x")));
}

TEST(QueryTerms, FollowExpression) {
  EXPECT_EQ(query_terms("Hello, Wörld! e-mail").words,
            (std::vector<std::string>{"hello", "world", "e", "mail"}));
  EXPECT_TRUE(query_terms("\"*:()").words.empty());
  EXPECT_EQ(fold_token("ÀÉÎÕÜçñ"), "aeioucn");
  EXPECT_EQ(fold_token("東京"), "東京");
}

TEST(Tokens, AreHexOfBytes) {
  EXPECT_EQ(workspace_token("w_1"), "ws775f31");
  EXPECT_EQ(tag_token("w", "A b"), "tg7700412062");
  EXPECT_EQ(tag_token("w", ""), "tg7700");
  EXPECT_EQ(meta_text("w", {"x", "y"}), "ws77 tg770078 tg770079");
}

}  // namespace
}  // namespace tandem::search
