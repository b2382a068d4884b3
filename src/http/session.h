// One HTTP/1.1 connection: reads requests in order, one at a time, and
// writes each response before reading the next (no pipelining in flight).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/response.h"

namespace tandem::http {

class Server;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::ip::tcp::socket socket, Server& server);
  ~Session();

  void start();
  // Closes the connection if it is waiting for a request (shutdown).
  void close_if_idle();

 private:
  using Parser = boost::beast::http::request_parser<boost::beast::http::string_body>;

  void read_request();
  void on_read(boost::beast::error_code ec);
  void dispatch(boost::beast::http::request<boost::beast::http::string_body> request);
  void write(Response response, unsigned version, bool keep_alive, std::string route, std::string method,
             std::chrono::steady_clock::time_point started);
  void reject_unreadable(boost::beast::error_code ec);
  void close();
  // Closes after reading and discarding what the client still sends, for a
  // bounded time and size, so that the client reads the error response
  // instead of a reset from closing a socket with unread data.
  void linger_close();
  void drain();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  Server& server_;
  std::uint64_t id_ = 0;
  bool idle_ = true;  // only touched on the connection's strand
  bool linger_ = false;  // close with linger_close() after the response
  std::vector<char> drain_buffer_;  // allocated only while lingering
  std::size_t drained_bytes_ = 0;
};

}  // namespace tandem::http
