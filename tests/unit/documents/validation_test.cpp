#include "documents/validation.h"

#include <gtest/gtest.h>

namespace tandem::documents {
namespace {

TEST(Utf8, AcceptsValidText) {
  for (std::string_view text : {"", "plain", "caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"}) {
    EXPECT_TRUE(is_valid_utf8(text)) << text;
  }
}

TEST(Utf8, RejectsInvalidSequences) {
  for (std::string_view text : {"\xc3\x28", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                "\xff", "\xe2\x82", "\x80"}) {
    EXPECT_FALSE(is_valid_utf8(text));
  }
}

TEST(Utf8, CountsCodePoints) {
  EXPECT_EQ(count_code_points("caf\xc3\xa9 \xf0\x9f\x98\x80"), 6u);
}

TEST(Validation, WorkspaceNames) {
  EXPECT_TRUE(check_workspace_name("Team").has_value());
  EXPECT_FALSE(check_workspace_name("").has_value());
  EXPECT_FALSE(check_workspace_name("  ").has_value());
  EXPECT_FALSE(check_workspace_name("tab\tinside").has_value());
  EXPECT_TRUE(check_workspace_name(std::string(200, 'x')).has_value());
  EXPECT_FALSE(check_workspace_name(std::string(201, 'x')).has_value());
}

TEST(Validation, TitlesCountCharactersNotBytes) {
  std::string emoji_title;
  for (int i = 0; i < 500; ++i) emoji_title += "\xf0\x9f\x98\x80";
  EXPECT_TRUE(check_title(emoji_title).has_value());
  EXPECT_FALSE(check_title(emoji_title + "x").has_value());
}

TEST(Validation, TagsAreDeduplicatedInOrder) {
  auto tags = normalize_tags({"b", "a", "b"});
  ASSERT_TRUE(tags.has_value());
  EXPECT_EQ(*tags, (std::vector<std::string>{"b", "a"}));
}

TEST(Validation, RejectsBadTagsNamingThem) {
  for (std::string tag : {std::string(), std::string(" a"), std::string("a "), std::string(65, 'x'),
                          std::string("new\nline")}) {
    auto tags = normalize_tags({tag});
    ASSERT_FALSE(tags.has_value()) << tag;
    EXPECT_EQ(tags.error().code, ErrorCode::invalid_request);
  }
  std::vector<std::string> many;
  for (int i = 0; i < 33; ++i) many.push_back("t" + std::to_string(i));
  EXPECT_FALSE(normalize_tags(many).has_value());
}

TEST(Validation, ContentSizeLimit) {
  EXPECT_TRUE(check_content_size(1024, 1024).has_value());
  auto too_big = check_content_size(1025, 1024);
  ASSERT_FALSE(too_big.has_value());
  EXPECT_EQ(too_big.error().code, ErrorCode::payload_too_large);
}

TEST(Validation, UserIds) {
  EXPECT_TRUE(check_user_id("alice").has_value());
  EXPECT_FALSE(check_user_id("").has_value());
  EXPECT_FALSE(check_user_id(std::string(129, 'u')).has_value());
  EXPECT_FALSE(check_user_id("a\x01").has_value());
}

}  // namespace
}  // namespace tandem::documents
