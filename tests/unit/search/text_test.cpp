#include "search/text.h"

#include <string>

#include <gtest/gtest.h>

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

TEST(RenderSnippet, MarksAndEscapes) {
  EXPECT_EQ(render_snippet("a <b> & \x01match\x02 \"q\" 'x'"),
            "a &lt;b&gt; &amp; <mark>match</mark> &quot;q&quot; &#39;x&#39;");
}

TEST(RenderSnippet, ClosesUnbalancedMark) {
  EXPECT_EQ(render_snippet("\x01open"), "<mark>open</mark>");
  EXPECT_EQ(render_snippet("close\x02"), "close");
}

TEST(RenderSnippet, EscapesInjectedMarkup) {
  EXPECT_EQ(render_snippet("<mark>x</mark><script>"),
            "&lt;mark&gt;x&lt;/mark&gt;&lt;script&gt;");
}

TEST(Tokens, AreHexOfBytes) {
  EXPECT_EQ(workspace_token("w_1"), "ws775f31");
  EXPECT_EQ(tag_token("A b"), "tg412062");
  EXPECT_EQ(meta_text("w", {"x", "y"}), "ws77 tg78 tg79");
}

}  // namespace
}  // namespace tandem::search
