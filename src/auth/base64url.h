// Base64url without padding (RFC 4648 section 5), as JWTs use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tandem::auth {

std::string base64url_encode(std::string_view bytes);

// Decodes unpadded (or padded) base64url; nullopt on any invalid character
// or impossible length.
std::optional<std::string> base64url_decode(std::string_view text);

// Decodes standard base64 (RFC 4648 section 4, '+' and '/'), padded or not;
// nullopt on any invalid character or impossible length.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace tandem::auth
