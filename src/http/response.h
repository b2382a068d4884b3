// A handler's result, which the session turns into an HTTP response.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

#include "core/error.h"

namespace tandem::http {

struct Response {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

// Serializes `value` as the body with the given status.
Response json_response(unsigned status, const boost::json::value& value);

// The one error shape: {"error": {"code", "message"[, "current_version"]}}.
Response error_response(const Error& error);

Response no_content();

// Maps each error kind to its HTTP status. The switch has no default, so a
// new ErrorCode without a status fails to compile (-Werror=switch).
unsigned http_status(ErrorCode code);

}  // namespace tandem::http
