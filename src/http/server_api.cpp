#include "http/server_api.h"

#include <algorithm>
#include <cctype>

#include <openssl/crypto.h>

#include "core/deferred.h"

namespace tandem::http {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Compares without an early exit, so response time does not reveal how much
// of the key matched.
bool key_matches(std::string_view presented, std::string_view configured) {
  return presented.size() == configured.size() &&
         CRYPTO_memcmp(presented.data(), configured.data(), configured.size()) == 0;
}

// Extracts KEY from "apikey KEY": exactly two space-separated fields.
std::string_view key_from_authorization(std::string_view header) {
  std::size_t space = header.find(' ');
  if (space == std::string_view::npos) {
    return {};
  }
  std::string_view scheme = header.substr(0, space);
  std::string_view key = header.substr(space + 1);
  if (!iequals(scheme, "apikey") || key.empty() || key.find(' ') != std::string_view::npos) {
    return {};
  }
  return key;
}

bool authorized(std::string_view configured, const ServerApiRequest& r) {
  if (configured.empty()) {
    return false;
  }
  if (!r.x_api_key.empty()) {
    return key_matches(r.x_api_key, configured);
  }
  if (!r.authorization.empty()) {
    std::string_view key = key_from_authorization(r.authorization);
    if (!key.empty()) {
      return key_matches(key, configured);
    }
  }
  return !r.api_key_query.empty() && key_matches(r.api_key_query, configured);
}

}  // namespace

realtime::ApiResponse handle_server_api(realtime::Engine& engine, const ServerApiRequest& request) {
  if (!authorized(engine.options().api_key, request)) {
    return {401, "text/plain", ""};
  }
  if (request.method.empty()) {
    return realtime::call_legacy_api(engine, request.body);
  }
  bool transport_mode = iequals(request.error_mode_header, "transport");

  // A batch's publications reach each subscriber in as few frames as possible.
  core::DeferredScope one_write_per_connection;
  return realtime::call_api(engine, request.method, request.body, transport_mode);
}

}  // namespace tandem::http
