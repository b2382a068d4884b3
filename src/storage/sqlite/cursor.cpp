#include "storage/sqlite/cursor.h"

#include <charconv>

#include <fmt/format.h>

namespace tandem::storage::sqlite {
namespace {

// Cursors look like "c1.<rev in base 36>"; the version prefix lets a later
// format coexist with links that clients still hold.
constexpr std::string_view kPrefix = "c1.";
constexpr std::size_t kMaxShownBytes = 64;

std::unexpected<Error> invalid_cursor(std::string_view cursor) {
  std::string shown(cursor.substr(0, kMaxShownBytes));
  if (cursor.size() > kMaxShownBytes) {
    shown += "...";
  }
  return fail(ErrorCode::invalid_request,
              fmt::format("invalid cursor \"{}\": pass the next_cursor value of the previous "
                          "page unchanged, or omit cursor to start from the newest document",
                          shown));
}

}  // namespace

std::string encode_cursor(std::int64_t rev) {
  static constexpr char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string reversed;
  auto value = static_cast<std::uint64_t>(rev);
  do {
    reversed += digits[value % 36];
    value /= 36;
  } while (value != 0);
  return std::string(kPrefix) + std::string(reversed.rbegin(), reversed.rend());
}

Result<std::int64_t> decode_cursor(std::string_view cursor) {
  if (!cursor.starts_with(kPrefix) || cursor.size() == kPrefix.size() ||
      cursor.size() > kPrefix.size() + 13) {
    return invalid_cursor(cursor);
  }
  const std::string_view digits = cursor.substr(kPrefix.size());
  std::int64_t rev = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), rev, 36);
  if (error != std::errc() || end != digits.data() + digits.size() || rev <= 0 ||
      digits != encode_cursor(rev).substr(kPrefix.size())) {
    return invalid_cursor(cursor);
  }
  return rev;
}

}  // namespace tandem::storage::sqlite
