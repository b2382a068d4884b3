// A blocking HTTP/1.1 client on one keep-alive connection, for the setup and
// verification phases of the load tools (never inside their event loops).
#pragma once

#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>

namespace tandem::bench {

// The status and body of one exchange.
struct RestReply {
  unsigned status = 0;
  std::string body;
};

class Rest {
 public:
  // Connects at once; throws boost::system::system_error when it cannot.
  Rest(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint endpoint, std::string host);

  // Sends a request with a bearer token and a JSON body (none when null) and
  // returns the parsed reply; throws std::runtime_error on another status.
  boost::json::value call(boost::beast::http::verb verb, const std::string& target, const std::string& token,
                          const boost::json::value& body, unsigned expected_status);

  // As call, returning the body text.
  std::string text(boost::beast::http::verb verb, const std::string& target, const std::string& token,
                   unsigned expected_status);

  // Sends a request and returns whatever status came back; throws only on transport errors.
  RestReply exchange(boost::beast::http::verb verb, const std::string& target, const std::string& token,
                     std::string body);

 private:
  boost::beast::tcp_stream stream_;
  std::string host_;
  boost::beast::flat_buffer buffer_;
};

// Returns an HS256 token for `user` (name = user id) valid for `ttl_s` seconds.
std::string mint_token(const std::string& secret, const std::string& user, long ttl_s = 3600);

}  // namespace tandem::bench
