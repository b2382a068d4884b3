// The HTTP server: accepts TCP connections on one io_context, reads requests
// with Boost.Beast, runs handlers on a worker pool (they may block on the
// store), and writes responses back on the connection's strand.
//
// Lifecycle: construct, listen(), run the io_context on any number of
// threads; shutdown() stops accepting, closes idle connections, lets
// in-flight requests finish (bounded wait) and then calls `on_stopped`.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "core/error.h"
#include "http/metrics.h"
#include "http/router.h"

namespace tandem::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8000;                     // 0 picks a free port
  std::size_t max_body_bytes = 2u << 20;         // larger bodies get 413, bytes
  std::size_t worker_threads = 8;                // handler pool size (handlers may block on storage)
  std::chrono::seconds idle_timeout{60};         // close a keep-alive connection idle this long
  std::chrono::seconds shutdown_timeout{10};     // wait for in-flight requests at shutdown
};

using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;
// Takes over a connection whose request is a WebSocket upgrade.
using WebSocketHandler = std::function<void(boost::beast::tcp_stream, UpgradeRequest)>;

class Session;

class Server {
 public:
  Server(boost::asio::io_context& io, ServerOptions options, const Router& router, Metrics& metrics);
  ~Server();

  // Sets the handler for upgrade requests to `path`. Call before listen().
  void set_websocket_handler(std::string path, WebSocketHandler handler);

  // Binds, listens and starts accepting. Returns the bound endpoint (the
  // real port when 0 was requested).
  Result<boost::asio::ip::tcp::endpoint> listen();

  // Stops accepting and closes idle connections; requests in flight finish
  // within the shutdown timeout. `on_stopped` runs once, on an I/O thread.
  void shutdown(std::function<void()> on_stopped);

  // --- used by sessions ---
  const Router& router() const { return router_; }
  Metrics& metrics() { return metrics_; }
  const ServerOptions& options() const { return options_; }
  boost::asio::thread_pool& workers() { return workers_; }
  bool stopping() const { return stopping_.load(); }
  const WebSocketHandler* websocket_handler(std::string_view path) const;
  std::uint64_t register_session(std::weak_ptr<Session> session);
  void unregister_session(std::uint64_t id);
  void request_started() { in_flight_.fetch_add(1); }
  void request_finished() { in_flight_.fetch_sub(1); }

 private:
  void accept();
  void wait_for_drain(std::chrono::steady_clock::time_point deadline, std::function<void()> on_stopped);

  boost::asio::io_context& io_;
  ServerOptions options_;
  const Router& router_;
  Metrics& metrics_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::thread_pool workers_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> in_flight_{0};
  std::string websocket_path_;
  WebSocketHandler websocket_handler_;

  std::mutex sessions_mutex_;
  std::uint64_t next_session_id_ = 1;
  std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions_;
};

}  // namespace tandem::http
