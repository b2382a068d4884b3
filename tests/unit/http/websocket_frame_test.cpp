#include "http/websocket_frame.h"

#include <array>
#include <vector>

#include <gtest/gtest.h>

namespace tandem::http {
namespace {

std::vector<unsigned char> header(std::uint64_t payload_bytes) {
  std::array<unsigned char, kMaxFrameHeaderBytes> out{};
  std::size_t size = write_text_frame_header(payload_bytes, out.data());
  return {out.begin(), out.begin() + static_cast<std::ptrdiff_t>(size)};
}

TEST(WebSocketFrameTest, ShortPayloadFitsTheSecondByte) {
  EXPECT_EQ(header(0), (std::vector<unsigned char>{0x81, 0}));
  EXPECT_EQ(header(2), (std::vector<unsigned char>{0x81, 2}));
  EXPECT_EQ(header(125), (std::vector<unsigned char>{0x81, 125}));
}

TEST(WebSocketFrameTest, MediumPayloadTakesTwoLengthBytes) {
  EXPECT_EQ(header(126), (std::vector<unsigned char>{0x81, 126, 0x00, 0x7E}));
  EXPECT_EQ(header(4097), (std::vector<unsigned char>{0x81, 126, 0x10, 0x01}));
  EXPECT_EQ(header(65535), (std::vector<unsigned char>{0x81, 126, 0xFF, 0xFF}));
}

TEST(WebSocketFrameTest, LongPayloadTakesEightLengthBytes) {
  EXPECT_EQ(header(65536), (std::vector<unsigned char>{0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(header(0x0102030405ULL), (std::vector<unsigned char>{0x81, 127, 0, 0, 0, 1, 2, 3, 4, 5}));
}

}  // namespace
}  // namespace tandem::http
