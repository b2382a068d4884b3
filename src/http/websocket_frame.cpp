#include "http/websocket_frame.h"

namespace tandem::http {

std::size_t write_text_frame_header(std::uint64_t payload_bytes, unsigned char* out) {
  constexpr unsigned char kFinalText = 0x81;  // FIN bit and opcode 1 (text)
  out[0] = kFinalText;

  // Server frames are never masked, so the mask bit of byte 1 stays clear.
  if (payload_bytes <= 125) {
    out[1] = static_cast<unsigned char>(payload_bytes);
    return 2;
  }
  if (payload_bytes <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<unsigned char>(payload_bytes >> 8);
    out[3] = static_cast<unsigned char>(payload_bytes);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) {
    out[2 + i] = static_cast<unsigned char>(payload_bytes >> (8 * (7 - i)));
  }
  return 10;
}

}  // namespace tandem::http
