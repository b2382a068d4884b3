// WebSocket frame headers for the server's own data frames (RFC 6455,
// section 5.2). Sessions write publication frames themselves, with one
// sendmsg each, instead of going through Beast's asynchronous write.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tandem::http {

// Maximum length of a header from write_text_frame_header, bytes.
constexpr std::size_t kMaxFrameHeaderBytes = 10;

// Writes the header of a final, unmasked text frame carrying `payload_bytes`
// into `out` (room for kMaxFrameHeaderBytes) and returns its length: 2 bytes
// up to 125 payload bytes, 4 up to 65,535, 10 beyond.
std::size_t write_text_frame_header(std::uint64_t payload_bytes, unsigned char* out);

}  // namespace tandem::http
