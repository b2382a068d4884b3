// JSON Web Tokens signed with HS256: verification for requests and
// WebSocket connects, and minting for `tandem token` and tests.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace tandem::auth {

// One entry of a connection token's `subs` claim (or of `channels`).
struct TokenSubscription {
  std::string channel;
  std::string info_json;  // `info` / `b64info` of the entry as raw JSON, may be empty
  std::string data_json;  // `data` / `b64data` of the entry as raw JSON, may be empty
  std::string override_json;  // `override` object of the entry as raw JSON, may be empty
};

struct Claims {
  std::string subject;  // `sub`: the user id
  std::string name;     // optional `name`
  std::string email;    // optional `email`
  std::optional<std::int64_t> expires_at;  // `exp`, unix seconds
  std::optional<std::int64_t> expire_at;   // `expire_at`, unix seconds; 0 means never
  std::string info_json;                   // `info` (or decoded `b64info`) as raw JSON, empty when absent
  std::string data_json;                   // `data` (or decoded `b64data`) as raw JSON, empty when absent
  std::vector<std::string> channels;       // `channels` claim (realtime)
  std::vector<TokenSubscription> subs;     // `subs` claim (realtime), sorted by channel
  std::string channel;                     // `channel` claim (subscription tokens)
  std::string override_json;               // `override` object (subscription tokens) as raw JSON, may be empty

  // When the real-time connection or subscription expires: `expire_at` when
  // present (0: never, though `exp` still limits the token itself), else `exp`.
  std::optional<std::int64_t> session_expiry() const;

  // The server-side subscriptions the token requests: `subs` when it has
  // entries (it takes priority, as in Centrifugo), else `channels`.
  std::vector<TokenSubscription> token_subscriptions() const;
};

enum class TokenFailure {
  missing,          // no token was presented
  malformed,        // not three base64url parts of JSON
  unsupported_alg,  // header `alg` is not HS256 (including "none")
  bad_signature,    // signature does not match the secret
  expired,          // `exp` is in the past beyond the allowed clock skew
  missing_subject,  // no non-empty string `sub`
};

struct TokenError {
  TokenFailure failure = TokenFailure::malformed;
  std::string message;  // states what was wrong and what to do, never the secret
};

struct VerifyOptions {
  std::string_view secret;
  std::int64_t now_unix_s = 0;
  std::int64_t clock_skew_s = 30;  // tolerance for `exp` and `nbf`, in seconds
  bool require_subject = true;     // subscription tokens need no `sub`
};

// Verifies signature, algorithm and time claims and extracts the claims.
std::expected<Claims, TokenError> verify_token(std::string_view token,
                                               const VerifyOptions& options);

// Converts a token failure to the domain error (always `unauthorized`).
Error to_error(const TokenError& error);

struct MintOptions {
  std::string_view secret;
  std::string subject;
  std::string name;
  std::string email;
  std::int64_t now_unix_s = 0;
  std::int64_t ttl_s = 24 * 3600;  // lifetime in seconds; 0 means no `exp`
  std::string extra_claims_json;   // optional JSON object merged into the payload
};

// Returns a signed compact JWT.
std::string mint_token(const MintOptions& options);

}  // namespace tandem::auth
