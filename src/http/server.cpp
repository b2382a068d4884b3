#include "http/server.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "http/session.h"

namespace tandem::http {
namespace net = boost::asio;
using tcp = net::ip::tcp;

Server::Server(net::io_context& io, ServerOptions options, const Router& router, Metrics& metrics)
    : io_(io),
      options_(std::move(options)),
      router_(router),
      metrics_(metrics),
      acceptor_(net::make_strand(io)),
      workers_(options_.worker_threads) {}

Server::~Server() { workers_.join(); }

void Server::set_websocket_handler(std::string path, WebSocketHandler handler) {
  websocket_path_ = std::move(path);
  websocket_handler_ = std::move(handler);
}

const WebSocketHandler* Server::websocket_handler(std::string_view path) const {
  if (!websocket_handler_ || path != websocket_path_) return nullptr;
  return &websocket_handler_;
}

Result<tcp::endpoint> Server::listen() {
  boost::system::error_code ec;
  auto address = net::ip::make_address(options_.host, ec);
  if (ec) {
    return fail(ErrorCode::invalid_request,
                fmt::format("invalid listen host '{}': expected an IP address such as 127.0.0.1", options_.host));
  }
  tcp::endpoint endpoint(address, options_.port);

  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return fail(ErrorCode::internal, fmt::format("cannot listen on {}:{}: {}", options_.host, options_.port,
                                                 ec.message()));
  }

  auto bound = acceptor_.local_endpoint(ec);
  accept();
  return bound;
}

void Server::accept() {
  acceptor_.async_accept(net::make_strand(io_), [this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      spdlog::warn("accept failed: {}", ec.message());
    } else {
      std::make_shared<Session>(std::move(socket), *this)->start();
    }
    accept();
  });
}

std::uint64_t Server::register_session(std::weak_ptr<Session> session) {
  std::lock_guard lock(sessions_mutex_);
  std::uint64_t id = next_session_id_++;
  sessions_.emplace(id, std::move(session));
  return id;
}

void Server::unregister_session(std::uint64_t id) {
  std::lock_guard lock(sessions_mutex_);
  sessions_.erase(id);
}

void Server::shutdown(std::function<void()> on_stopped) {
  if (stopping_.exchange(true)) return;

  net::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });

  std::vector<std::shared_ptr<Session>> open;
  {
    std::lock_guard lock(sessions_mutex_);
    for (auto& [id, weak] : sessions_) {
      if (auto session = weak.lock()) open.push_back(std::move(session));
    }
  }
  for (auto& session : open) session->close_if_idle();

  spdlog::info("stopped accepting connections; {} request(s) in flight", in_flight_.load());
  wait_for_drain(std::chrono::steady_clock::now() + options_.shutdown_timeout, std::move(on_stopped));
}

void Server::wait_for_drain(std::chrono::steady_clock::time_point deadline, std::function<void()> on_stopped) {
  if (in_flight_.load() == 0 || std::chrono::steady_clock::now() >= deadline) {
    if (in_flight_.load() > 0) {
      spdlog::warn("shutdown timeout reached with {} request(s) still in flight", in_flight_.load());
    }
    on_stopped();
    return;
  }
  auto timer = std::make_shared<net::steady_timer>(io_, std::chrono::milliseconds(20));
  timer->async_wait([this, timer, deadline, on_stopped = std::move(on_stopped)](boost::system::error_code) mutable {
    wait_for_drain(deadline, std::move(on_stopped));
  });
}

}  // namespace tandem::http
