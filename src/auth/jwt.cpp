#include "auth/jwt.h"

#include <algorithm>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "auth/base64url.h"

namespace tandem::auth {
namespace json = boost::json;

namespace {

std::unexpected<TokenError> reject(TokenFailure failure, std::string message) {
  return std::unexpected(TokenError{failure, std::move(message)});
}

std::string hmac_sha256(std::string_view secret, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

// Parses a base64url segment holding a JSON object.
std::optional<json::object> decode_object(std::string_view segment) {
  auto bytes = base64url_decode(segment);
  if (!bytes) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  json::value value = json::parse(*bytes, ec);
  if (ec || !value.is_object()) {
    return std::nullopt;
  }
  return std::move(value.as_object());
}

// Reads a numeric time claim in unix seconds; nullopt when absent, an error
// when present but not a number.
std::expected<std::optional<std::int64_t>, TokenError> time_claim(const json::object& payload,
                                                                  std::string_view name) {
  const json::value* value = payload.if_contains(name);
  if (value == nullptr || value->is_null()) {
    return std::optional<std::int64_t>{};
  }
  if (value->is_int64()) return std::optional<std::int64_t>{value->as_int64()};
  if (value->is_uint64()) return std::optional<std::int64_t>{static_cast<std::int64_t>(value->as_uint64())};
  if (value->is_double()) return std::optional<std::int64_t>{static_cast<std::int64_t>(value->as_double())};
  return reject(TokenFailure::malformed,
                fmt::format("token claim '{}' must be a number of seconds since the epoch", name));
}

std::string string_claim(const json::object& payload, std::string_view name) {
  const json::value* value = payload.if_contains(name);
  if (value != nullptr && value->is_string()) {
    return std::string(value->as_string());
  }
  return {};
}

std::expected<void, TokenError> check_header(std::string_view segment) {
  auto header = decode_object(segment);
  if (!header) {
    return reject(TokenFailure::malformed, "token header is not base64url-encoded JSON");
  }
  const json::value* alg = header->if_contains("alg");
  if (alg == nullptr || !alg->is_string()) {
    return reject(TokenFailure::unsupported_alg, "token header has no 'alg'; sign tokens with HS256");
  }
  if (alg->as_string() != "HS256") {
    return reject(TokenFailure::unsupported_alg,
                  fmt::format("token algorithm '{}' is not accepted; sign tokens with HS256",
                              std::string_view(alg->as_string())));
  }
  return {};
}

std::expected<void, TokenError> check_times(const json::object& payload, const VerifyOptions& options,
                                            Claims& claims) {
  auto exp = time_claim(payload, "exp");
  if (!exp) return std::unexpected(exp.error());
  auto nbf = time_claim(payload, "nbf");
  if (!nbf) return std::unexpected(nbf.error());

  auto expire_at = time_claim(payload, "expire_at");
  if (!expire_at) return std::unexpected(expire_at.error());

  claims.expires_at = *exp;
  claims.expire_at = *expire_at;
  if (*exp && **exp + options.clock_skew_s <= options.now_unix_s) {
    return reject(TokenFailure::expired, "token expired; request a new token");
  }
  if (*nbf && **nbf - options.clock_skew_s > options.now_unix_s) {
    return reject(TokenFailure::malformed, "token is not valid yet ('nbf' is in the future)");
  }
  return {};
}

// Reads a JSON claim `name`, or its base64 form `b64name` (Centrifugo's
// b64info, b64data), which must decode to JSON. Empty when absent.
std::expected<std::string, TokenError> json_claim(const json::object& payload, std::string_view name,
                                                  std::string_view b64name) {
  std::string b64 = string_claim(payload, b64name);
  if (!b64.empty()) {
    auto decoded = base64_decode(b64);
    boost::system::error_code ec;
    if (decoded) {
      json::parse(*decoded, ec);
    }
    if (!decoded || ec) {
      return reject(TokenFailure::malformed, fmt::format("token claim '{}' must be base64 of JSON", b64name));
    }
    return std::move(*decoded);
  }
  const json::value* value = payload.if_contains(name);
  return value == nullptr || value->is_null() ? std::string() : json::serialize(*value);
}

// Reads an object claim `name` as raw JSON. Empty when absent.
std::expected<std::string, TokenError> object_claim(const json::object& payload, std::string_view name) {
  const json::value* value = payload.if_contains(name);
  if (value == nullptr || value->is_null()) {
    return std::string();
  }
  if (!value->is_object()) {
    return reject(TokenFailure::malformed, fmt::format("token claim '{}' must be an object", name));
  }
  return json::serialize(*value);
}

std::expected<void, TokenError> read_optional_claims(const json::object& payload, Claims& claims) {
  claims.name = string_claim(payload, "name");
  claims.email = string_claim(payload, "email");
  claims.channel = string_claim(payload, "channel");
  auto changes = object_claim(payload, "override");
  if (!changes) return std::unexpected(changes.error());
  claims.override_json = std::move(*changes);
  auto info = json_claim(payload, "info", "b64info");
  if (!info) return std::unexpected(info.error());
  claims.info_json = std::move(*info);
  auto data = json_claim(payload, "data", "b64data");
  if (!data) return std::unexpected(data.error());
  claims.data_json = std::move(*data);
  if (const json::value* subs = payload.if_contains("subs"); subs != nullptr && subs->is_object()) {
    for (const auto& [channel, entry] : subs->get_object()) {
      if (!entry.is_object()) {
        return reject(TokenFailure::malformed, "each entry of token claim 'subs' must be an object");
      }
      TokenSubscription sub{std::string(channel), {}, {}, {}};
      auto sub_info = json_claim(entry.get_object(), "info", "b64info");
      if (!sub_info) return std::unexpected(sub_info.error());
      auto sub_data = json_claim(entry.get_object(), "data", "b64data");
      if (!sub_data) return std::unexpected(sub_data.error());
      sub.info_json = std::move(*sub_info);
      sub.data_json = std::move(*sub_data);
      auto sub_override = object_claim(entry.get_object(), "override");
      if (!sub_override) return std::unexpected(sub_override.error());
      sub.override_json = std::move(*sub_override);
      claims.subs.push_back(std::move(sub));
    }
    std::sort(claims.subs.begin(), claims.subs.end(),
              [](const TokenSubscription& a, const TokenSubscription& b) { return a.channel < b.channel; });
  }
  if (const json::value* channels = payload.if_contains("channels");
      channels != nullptr && channels->is_array()) {
    for (const json::value& channel : channels->as_array()) {
      if (channel.is_string()) {
        claims.channels.emplace_back(channel.as_string());
      }
    }
  }
  return {};
}

}  // namespace

std::vector<TokenSubscription> Claims::token_subscriptions() const {
  if (!subs.empty()) {
    return subs;
  }
  std::vector<TokenSubscription> out;
  for (const std::string& listed : channels) {
    out.push_back({listed, {}, {}, {}});
  }
  return out;
}

std::optional<std::int64_t> Claims::session_expiry() const {
  if (!expire_at) return expires_at;
  if (*expire_at == 0) return std::nullopt;
  return expire_at;
}

std::expected<Claims, TokenError> verify_token(std::string_view token, const VerifyOptions& options) {
  if (token.empty()) {
    return reject(TokenFailure::missing, "missing token; send 'Authorization: Bearer <token>'");
  }

  auto first_dot = token.find('.');
  auto second_dot = first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != std::string_view::npos) {
    return reject(TokenFailure::malformed, "token is not a JWT (expected three dot-separated parts)");
  }
  std::string_view header_part = token.substr(0, first_dot);
  std::string_view payload_part = token.substr(first_dot + 1, second_dot - first_dot - 1);
  std::string_view signature_part = token.substr(second_dot + 1);

  // The algorithm is checked before the signature so that "none" and
  // asymmetric algorithms are rejected by name.
  if (auto header = check_header(header_part); !header) {
    return std::unexpected(header.error());
  }

  auto signature = base64url_decode(signature_part);
  std::string expected = hmac_sha256(options.secret, token.substr(0, second_dot));
  if (!signature || signature->size() != expected.size() ||
      CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
    return reject(TokenFailure::bad_signature, "token signature is invalid; was it signed with this server's secret?");
  }

  auto payload = decode_object(payload_part);
  if (!payload) {
    return reject(TokenFailure::malformed, "token payload is not base64url-encoded JSON");
  }

  Claims claims;
  if (auto times = check_times(*payload, options, claims); !times) {
    return std::unexpected(times.error());
  }
  claims.subject = string_claim(*payload, "sub");
  if (options.require_subject && claims.subject.empty()) {
    return reject(TokenFailure::missing_subject, "token has no 'sub' claim; set it to the user id");
  }
  if (auto optional = read_optional_claims(*payload, claims); !optional) {
    return std::unexpected(optional.error());
  }
  return claims;
}

Error to_error(const TokenError& error) {
  return Error{ErrorCode::unauthorized, error.message, std::nullopt};
}

std::string mint_token(const MintOptions& options) {
  json::object payload;
  if (!options.extra_claims_json.empty()) {
    boost::system::error_code ec;
    json::value extra = json::parse(options.extra_claims_json, ec);
    if (!ec && extra.is_object()) {
      payload = std::move(extra.as_object());
    }
  }
  payload["sub"] = options.subject;
  if (!options.name.empty()) payload["name"] = options.name;
  if (!options.email.empty()) payload["email"] = options.email;
  payload["iat"] = options.now_unix_s;
  if (options.ttl_s > 0) payload["exp"] = options.now_unix_s + options.ttl_s;

  std::string signing_input = base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." +
                              base64url_encode(json::serialize(payload));
  return signing_input + "." + base64url_encode(hmac_sha256(options.secret, signing_input));
}

}  // namespace tandem::auth
