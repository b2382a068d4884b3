#include "http/response.h"

#include <boost/json/serialize.hpp>

namespace tandem::http {

unsigned http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_request: return 400;
    case ErrorCode::invalid_operation: return 400;
    case ErrorCode::unauthorized: return 401;
    case ErrorCode::forbidden: return 403;
    case ErrorCode::not_found: return 404;
    case ErrorCode::version_conflict: return 409;
    case ErrorCode::payload_too_large: return 413;
    case ErrorCode::rate_limited: return 429;
    case ErrorCode::internal: return 500;
  }
  return 500;
}

Response json_response(unsigned status, const boost::json::value& value) {
  Response response;
  response.status = status;
  response.body = boost::json::serialize(value);
  return response;
}

Response error_response(const Error& error) {
  boost::json::object detail{{"code", code_name(error.code)}, {"message", error.message}};
  if (error.current_version) {
    detail["current_version"] = *error.current_version;
  }
  Response response = json_response(http_status(error.code), boost::json::object{{"error", detail}});
  if (error.code == ErrorCode::unauthorized) {
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
  }
  return response;
}

Response no_content() {
  Response response;
  response.status = 204;
  response.content_type.clear();
  return response;
}

}  // namespace tandem::http
