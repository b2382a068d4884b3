#include "ot/utf16.h"

#include <algorithm>
#include <cstring>

namespace tandem::ot {
namespace {

bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// UTF-16 units that the character starting with `lead` takes.
std::int64_t units_of(unsigned char lead) {
  if (is_continuation(lead)) return 0;
  return lead >= 0xF0 ? 2 : 1;
}

// Bytes of the character starting with `lead`.
std::size_t bytes_of(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;

// Advances `at` over whole ASCII blocks while at least a block of units is
// left. Real text is mostly ASCII, and this loop is the cost of an edit far
// into a long string: 64-byte blocks let the compiler use vector loads.
void skip_ascii(std::string_view text, std::size_t& at, std::int64_t& left) {
  constexpr std::size_t kBlock = 64;
  while (left >= static_cast<std::int64_t>(kBlock) && at + kBlock <= text.size()) {
    std::uint64_t any = 0;
    for (std::size_t k = 0; k < kBlock; k += 8) {
      std::uint64_t word;
      std::memcpy(&word, text.data() + at + k, sizeof word);
      any |= word;
    }
    if ((any & kHighBits) != 0) break;
    at += kBlock;
    left -= static_cast<std::int64_t>(kBlock);
  }
  while (left >= 8 && at + 8 <= text.size()) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + at, sizeof word);
    if ((word & kHighBits) != 0) break;
    at += 8;
    left -= 8;
  }
}

}  // namespace

std::int64_t utf16_length(std::string_view text) {
  std::int64_t units = 0;
  for (unsigned char byte : text) units += units_of(byte);
  return units;
}

Result<std::size_t> utf16_to_byte(std::string_view text, std::int64_t units) {
  if (units < 0) return fail(ErrorCode::out_of_range, "negative string offset");
  std::size_t at = 0;
  std::int64_t left = units;

  skip_ascii(text, at, left);

  while (left > 0) {
    if (at >= text.size()) {
      return fail(ErrorCode::out_of_range,
                  "string offset " + std::to_string(units) + " is past the end of a string of " +
                      std::to_string(utf16_length(text)) + " UTF-16 units");
    }
    auto lead = static_cast<unsigned char>(text[at]);
    auto width = units_of(lead);
    if (width > left) {
      return fail(ErrorCode::invalid_text, "string offset " + std::to_string(units) +
                                               " falls inside a surrogate pair");
    }
    left -= width;
    at += bytes_of(lead);
    if (lead < 0x80) skip_ascii(text, at, left);
  }
  return std::min(at, text.size());
}

Result<std::string> utf16_slice(std::string_view text, std::int64_t begin, std::int64_t end) {
  auto length = utf16_length(text);
  begin = std::clamp<std::int64_t>(begin, 0, length);
  end = std::clamp<std::int64_t>(end, 0, length);
  if (end <= begin) return std::string();

  auto from = utf16_to_byte(text, begin);
  if (!from) return std::unexpected(from.error());
  auto to = utf16_to_byte(text, end);
  if (!to) return std::unexpected(to.error());
  return std::string(text.substr(*from, *to - *from));
}

Result<std::string> utf16_inject(std::string_view text, std::int64_t units, std::string_view insert) {
  units = std::clamp<std::int64_t>(units, 0, utf16_length(text));
  auto at = utf16_to_byte(text, units);
  if (!at) return std::unexpected(at.error());

  std::string result;
  result.reserve(text.size() + insert.size());
  result.append(text.substr(0, *at)).append(insert).append(text.substr(*at));
  return result;
}

}  // namespace tandem::ot
