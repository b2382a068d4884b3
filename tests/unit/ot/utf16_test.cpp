#include "ot/utf16.h"

#include <gtest/gtest.h>

namespace tandem::ot {
namespace {

// "a", "é" (2 bytes), "中" (3 bytes), "😀" (4 bytes, a surrogate pair in UTF-16).
const std::string kMixed = "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80z";

TEST(Utf16, LengthCountsSurrogatePairsAsTwo) {
  EXPECT_EQ(utf16_length(""), 0);
  EXPECT_EQ(utf16_length("abc"), 3);
  EXPECT_EQ(utf16_length(kMixed), 6);
}

TEST(Utf16, OffsetsMapToCharacterStarts) {
  EXPECT_EQ(utf16_to_byte(kMixed, 0).value(), 0u);
  EXPECT_EQ(utf16_to_byte(kMixed, 1).value(), 1u);
  EXPECT_EQ(utf16_to_byte(kMixed, 2).value(), 3u);
  EXPECT_EQ(utf16_to_byte(kMixed, 3).value(), 6u);
  EXPECT_EQ(utf16_to_byte(kMixed, 5).value(), 10u);
  EXPECT_EQ(utf16_to_byte(kMixed, 6).value(), 11u);
}

TEST(Utf16, OffsetInsideSurrogatePairIsRejected) {
  auto result = utf16_to_byte(kMixed, 4);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::invalid_text);
}

TEST(Utf16, OffsetPastEndIsRejected) {
  auto result = utf16_to_byte(kMixed, 7);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::out_of_range);
  EXPECT_FALSE(utf16_to_byte("abc", -1));
}

TEST(Utf16, LongAsciiRunsUseTheFastPath) {
  std::string text(1000, 'x');
  text += kMixed;
  EXPECT_EQ(utf16_to_byte(text, 999).value(), 999u);
  EXPECT_EQ(utf16_to_byte(text, 1003).value(), 1006u);
  EXPECT_EQ(utf16_length(text), 1006);
}

TEST(Utf16, SliceAndInjectClampLikeJavaScript) {
  EXPECT_EQ(utf16_slice(kMixed, 1, 3).value(), "\xC3\xA9\xE4\xB8\xAD");
  EXPECT_EQ(utf16_slice(kMixed, 5, 100).value(), "z");
  EXPECT_EQ(utf16_slice(kMixed, 4, 2).value(), "");
  EXPECT_FALSE(utf16_slice(kMixed, 4, 6));
  EXPECT_EQ(utf16_inject("ab", 1, "X").value(), "aXb");
  EXPECT_EQ(utf16_inject("ab", 9, "X").value(), "abX");
}

}  // namespace
}  // namespace tandem::ot
