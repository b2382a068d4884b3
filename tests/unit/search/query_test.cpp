#include "search/query.h"

#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace tandem::search {
namespace {

struct Case {
  std::string input;
  std::string expected;
};

// Hostile and ordinary inputs with the exact expression each must produce.
// Every expected value consists only of quoted phrases of letters, digits and
// spaces, with one `*` at the end, so FTS5 can never see an operator.
const Case kCases[] = {
    {"", ""},
    {"   \t\n ", ""},
    {"hello", "\"hello\"*"},
    {"fast collab", "\"fast\" \"collab\"*"},
    {"\"", ""},
    {"\"\"\"", ""},
    {"\"unclosed", "\"unclosed\"*"},
    {"say \"hi\"", "\"say\" \"hi\"*"},
    {"*", ""},
    {"foo*", "\"foo\"*"},
    {"*foo", "\"foo\"*"},
    {"-", ""},
    {"-foo", "\"foo\"*"},
    {"foo -bar", "\"foo\" \"bar\"*"},
    {"e-mail", "\"e mail\"*"},
    {":", ""},
    {"title:secret", "\"title secret\"*"},
    {"meta : ws00", "\"meta\" \"ws00\"*"},
    {"{title body}:x", "\"title\" \"body x\"*"},
    {"NEAR", "\"NEAR\"*"},
    {"NEAR(a b, 2)", "\"NEAR a\" \"b\" \"2\"*"},
    {"a AND b", "\"a\" \"AND\" \"b\"*"},
    {"a OR b", "\"a\" \"OR\" \"b\"*"},
    {"NOT a", "\"NOT\" \"a\"*"},
    {"AND", "\"AND\"*"},
    {"(", ""},
    {"(a OR b)", "\"a\" \"OR\" \"b\"*"},
    {")))(((", ""},
    {"^start", "\"start\"*"},
    {"^", ""},
    {"+", ""},
    {"a+b", "\"a b\"*"},
    {"C++", "\"C\"*"},
    {"it's", "\"it s\"*"},
    {"\\", ""},
    {"\\\"", ""},
    {"%_", ""},
    {"!@#$%^&*()_+=[]{}|;:,.<>?/~`", ""},
    {"😀", ""},
    {"😀😀 😀", ""},
    {"hello 😀", "\"hello\"*"},
    {"😀hello", "\"hello\"*"},
    {"👍🏽", ""},
    {"👨‍👩‍👧", ""},
    {"🇫🇷", ""},
    {"café", "\"café\"*"},
    {"naïve résumé", "\"naïve\" \"résumé\"*"},
    {"東京", "\"東京\"*"},
    {"Москва", "\"Москва\"*"},
    {"«quoted»", "\"quoted\"*"},
    {"—", ""},
    {"…", ""},
    {"a\u00a0b", "\"a b\"*"},
    {"2+2=4", "\"2 2 4\"*"},
    {"x\x01y\x02z", "\"x y z\"*"},
    {std::string("nul\0byte", 8), "\"nul byte\"*"},
    {"\xff\xfe", ""},
    {"bad\xc3utf8", "\"bad utf8\"*"},
    {"\xed\xa0\x80surrogate", "\"surrogate\"*"},
    {"\xc0\xafoverlong", "\"overlong\"*"},
};

TEST(BuildMatchExpression, HostileInputs) {
  for (const Case& test : kCases) {
    EXPECT_EQ(build_match_expression(test.input), test.expected) << "input: " << test.input;
  }
}

TEST(BuildMatchExpression, CapsPhraseCount) {
  std::string input;
  for (int i = 0; i < kMaxQueryPhrases + 10; ++i) {
    input += fmt::format("w{} ", i);
  }
  const std::string expression = build_match_expression(input);
  EXPECT_EQ(std::count(expression.begin(), expression.end(), '"'), 2 * kMaxQueryPhrases);
  EXPECT_NE(expression.find("\"w15\"*"), std::string::npos);
  EXPECT_EQ(expression.find("w16"), std::string::npos);
}

TEST(BuildMatchExpression, IgnoresBytesBeyondCap) {
  const std::string input = std::string(kMaxQueryBytes, ' ') + "late";
  EXPECT_EQ(build_match_expression(input), "");
}

TEST(BuildFilteredQuery, AddsWorkspaceAndTag) {
  const std::string tag = "a b";
  EXPECT_EQ(build_filtered_query("w1", nullptr, "\"x\"*"),
            "meta : ws7731 AND {title body} : (\"x\"*)");
  EXPECT_EQ(build_filtered_query("w1", &tag, "\"x\"*"),
            "meta : tg773100612062 AND {title body} : (\"x\"*)");
  EXPECT_EQ(build_title_query("w1", nullptr, "\"x\"*"), "meta : ws7731 AND title : (\"x\"*)");
}

TEST(IsTokenCodePoint, Classes) {
  EXPECT_TRUE(is_token_code_point(U'a'));
  EXPECT_TRUE(is_token_code_point(U'7'));
  EXPECT_TRUE(is_token_code_point(U'é'));
  EXPECT_TRUE(is_token_code_point(U'µ'));
  EXPECT_TRUE(is_token_code_point(U'東'));
  EXPECT_FALSE(is_token_code_point(U'_'));
  EXPECT_FALSE(is_token_code_point(U'«'));
  EXPECT_FALSE(is_token_code_point(U'×'));
  EXPECT_FALSE(is_token_code_point(U'\u2014'));
  EXPECT_FALSE(is_token_code_point(U'\U0001F600'));
}

}  // namespace
}  // namespace tandem::search
