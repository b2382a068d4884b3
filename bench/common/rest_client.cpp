#include "rest_client.h"

#include <chrono>
#include <stdexcept>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "auth/jwt.h"

namespace tandem::bench {

namespace http = boost::beast::http;
namespace json = boost::json;

Rest::Rest(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint endpoint, std::string host)
    : stream_(io), host_(std::move(host)) {
  stream_.connect(endpoint);
}

json::value Rest::call(http::verb verb, const std::string& target, const std::string& token, const json::value& body,
                       unsigned expected_status) {
  RestReply reply = exchange(verb, target, token, body.is_null() ? "" : json::serialize(body));
  if (reply.status != expected_status) {
    throw std::runtime_error(std::string(http::to_string(verb)) + " " + target + " returned " +
                             std::to_string(reply.status) + ": " + reply.body);
  }
  return reply.body.empty() ? json::value() : json::parse(reply.body);
}

std::string Rest::text(http::verb verb, const std::string& target, const std::string& token,
                       unsigned expected_status) {
  RestReply reply = exchange(verb, target, token, "");
  if (reply.status != expected_status) {
    throw std::runtime_error(std::string(http::to_string(verb)) + " " + target + " returned " +
                             std::to_string(reply.status) + ": " + reply.body);
  }
  return reply.body;
}

RestReply Rest::exchange(http::verb verb, const std::string& target, const std::string& token, std::string body) {
  http::request<http::string_body> request{verb, target, 11};
  request.set(http::field::host, host_);
  request.set(http::field::authorization, "Bearer " + token);
  request.set(http::field::content_type, "application/json");
  request.keep_alive(true);
  request.body() = std::move(body);
  request.prepare_payload();
  stream_.expires_after(std::chrono::seconds(30));
  http::write(stream_, request);
  http::response<http::string_body> response;
  http::read(stream_, buffer_, response);
  stream_.expires_never();
  return {response.result_int(), std::move(response.body())};
}

std::string mint_token(const std::string& secret, const std::string& user, long ttl_s) {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  return tandem::auth::mint_token({.secret = secret, .subject = user, .name = user, .email = "",
                                   .now_unix_s = now.count(), .ttl_s = ttl_s, .extra_claims_json = ""});
}

}  // namespace tandem::bench
