// A parsed HTTP request as handlers see it: decoded path parameters and
// query values, the body, and the headers handlers need.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tandem::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string, still percent-encoded
  std::map<std::string, std::string> query;   // decoded; the first value of a repeated key wins
  std::map<std::string, std::string> params;  // decoded path parameters, e.g. {"ws": "w_..."}
  std::string authorization;                  // the Authorization header, as sent
  std::string api_key;                        // the X-API-Key header (server API)
  std::string error_mode;                     // the X-Centrifugo-Error-Mode header (server API)
  std::string body;

  std::optional<std::string_view> query_value(const std::string& key) const {
    auto found = query.find(key);
    if (found == query.end()) return std::nullopt;
    return found->second;
  }
};

// Decodes %XX escapes (and '+' as a space when `plus_is_space`); nullopt on
// a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// Splits "a=1&b=2" into decoded pairs; nullopt when an escape is malformed.
std::optional<std::map<std::string, std::string>> parse_query(std::string_view query);

}  // namespace tandem::http
