#include "http/session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include "http/server.h"

namespace tandem::http {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

constexpr std::size_t kMaxHeaderBytes = 16 * 1024;
// Bounds on what a rejected request may still send before the socket closes.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kMaxLingerBytes = 64 * 1024 * 1024;

// Converts Beast's request into the handler view: path, decoded query, the
// headers handlers read, and the body.
std::optional<Request> to_request(bhttp::request<bhttp::string_body>& message) {
  Request request;
  request.method = std::string(message.method_string());
  std::string_view target = message.target();
  auto question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) {
    auto query = parse_query(target.substr(question + 1));
    if (!query) return std::nullopt;
    request.query = std::move(*query);
  }
  request.authorization = std::string(message[bhttp::field::authorization]);
  request.api_key = std::string(message["X-API-Key"]);
  request.error_mode = std::string(message["X-Centrifugo-Error-Mode"]);
  request.body = std::move(message.body());
  return request;
}

// Runs the matched handler and calls `respond` exactly once.
void run_handler(const Router& router, Request& request, std::string& route, const Respond& respond) {
  Router::Match match = router.match(request);
  route = match.route;
  if (match.handler == nullptr) {
    if (match.path_known) {
      Response response = error_response(
          {ErrorCode::invalid_request,
           fmt::format("method {} is not allowed on {}", request.method, request.path), std::nullopt});
      response.status = 405;
      respond(std::move(response));
      return;
    }
    respond(error_response({ErrorCode::not_found, fmt::format("no route for {} {}", request.method, request.path),
                            std::nullopt}));
    return;
  }

  // Handlers return errors as values; anything thrown (allocation failure, a
  // library bug) stops here and becomes a logged 500.
  std::string method = request.method;
  std::string path = request.path;
  auto logging_respond = [respond, method, path](Response response) {
    if (response.status >= 500) {
      spdlog::error("{} {} failed with {}: {}", method, path, response.status, response.body);
    }
    respond(std::move(response));
  };
  try {
    (*match.handler)(request, logging_respond);
  } catch (const std::exception& error) {
    spdlog::error("handler for {} {} threw: {}", method, path, error.what());
    respond(error_response({ErrorCode::internal, "internal error; see the server log", std::nullopt}));
  }
}

}  // namespace

Session::Session(boost::asio::ip::tcp::socket socket, Server& server)
    : stream_(std::move(socket)), server_(server) {
  server_.metrics().connection_opened();
}

Session::~Session() {
  server_.unregister_session(id_);
  server_.metrics().connection_closed();
}

void Session::start() {
  id_ = server_.register_session(weak_from_this());
  boost::asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_request(); });
}

void Session::close_if_idle() {
  boost::asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    if (self->idle_) self->close();
  });
}

void Session::read_request() {
  if (server_.stopping()) {
    close();
    return;
  }
  idle_ = true;
  parser_.emplace();
  parser_->body_limit(server_.options().max_body_bytes);
  parser_->header_limit(kMaxHeaderBytes);
  stream_.expires_after(server_.options().idle_timeout);
  bhttp::async_read(stream_, buffer_, *parser_,
                    [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
}

void Session::on_read(beast::error_code ec) {
  if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
      ec == boost::asio::error::operation_aborted || ec == boost::asio::error::connection_reset) {
    close();
    return;
  }
  if (ec) {
    reject_unreadable(ec);
    return;
  }
  idle_ = false;
  stream_.expires_never();
  dispatch(parser_->release());
}

void Session::reject_unreadable(beast::error_code ec) {
  // The request could not be parsed, so send one error response and close, because the
  // position of the next request in the stream is unknown.
  Error error{ErrorCode::invalid_request, fmt::format("malformed HTTP request: {}", ec.message()), std::nullopt};
  if (ec == bhttp::error::body_limit) {
    error = {ErrorCode::payload_too_large,
             fmt::format("request body is larger than the limit of {} bytes", server_.options().max_body_bytes),
             std::nullopt};
  } else if (ec == bhttp::error::header_limit) {
    error.message = fmt::format("request headers are larger than the limit of {} bytes", kMaxHeaderBytes);
  }
  spdlog::debug("connection {}: rejected request: {}", id_, ec.message());
  idle_ = false;
  linger_ = true;
  write(error_response(error), 11, false, "unreadable", "-", std::chrono::steady_clock::now());
}

void Session::dispatch(bhttp::request<bhttp::string_body> message) {
  auto started = std::chrono::steady_clock::now();
  unsigned version = message.version();
  bool keep_alive = message.keep_alive();

  if (beast::websocket::is_upgrade(message)) {
    std::string_view path = message.target().substr(0, message.target().find('?'));
    if (const WebSocketHandler* handler = server_.websocket_handler(path)) {
      (*handler)(std::move(stream_), std::move(message));
      return;
    }
  }

  std::string method(message.method_string());
  auto request = to_request(message);
  if (!request) {
    write(error_response({ErrorCode::invalid_request, "malformed percent-encoding in the query string",
                          std::nullopt}),
          version, keep_alive, "unmatched", method, started);
    return;
  }

  // Handlers may block on storage, so they run on the worker pool and the
  // response comes back to this connection's strand.
  server_.request_started();
  boost::asio::post(server_.workers(), [self = shared_from_this(), request = std::move(*request), version,
                                        keep_alive, started]() mutable {
    auto route = std::make_shared<std::string>();
    Respond respond = [self, route, method = request.method, version, keep_alive, started](Response response) {
      boost::asio::post(self->stream_.get_executor(), [self, response = std::move(response), version, keep_alive,
                                                       route, method, started]() mutable {
        self->server_.request_finished();
        self->write(std::move(response), version, keep_alive, *route, method, started);
      });
    };
    run_handler(self->server_.router(), request, *route, respond);
  });
}

void Session::write(Response response, unsigned version, bool keep_alive, std::string route, std::string method,
                    std::chrono::steady_clock::time_point started) {
  auto message = std::make_shared<bhttp::response<bhttp::string_body>>(
      static_cast<bhttp::status>(response.status), version);
  message->set(bhttp::field::server, "tandem");
  if (!response.content_type.empty()) message->set(bhttp::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) message->set(name, value);
  message->body() = std::move(response.body);
  message->keep_alive(keep_alive && !server_.stopping());
  message->prepare_payload();

  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  server_.metrics().record_request(route, method, response.status, seconds);
  spdlog::debug("{} {} -> {} in {:.3f} ms (connection {})", method, route, response.status, seconds * 1000, id_);

  stream_.expires_after(server_.options().idle_timeout);
  bhttp::async_write(stream_, *message,
                     [self = shared_from_this(), message](beast::error_code ec, std::size_t) {
                       if (!ec && self->linger_) {
                         self->linger_close();
                         return;
                       }
                       if (ec || !message->keep_alive()) {
                         self->close();
                         return;
                       }
                       self->read_request();
                     });
}

void Session::linger_close() {
  beast::error_code ignored;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  stream_.expires_after(kLingerTime);
  drain_buffer_.resize(16 * 1024);
  drain();
}

void Session::drain() {
  stream_.async_read_some(boost::asio::buffer(drain_buffer_),
                          [self = shared_from_this()](beast::error_code ec, std::size_t size) {
                            self->drained_bytes_ += size;
                            if (ec || self->drained_bytes_ > kMaxLingerBytes) {
                              self->close();
                              return;
                            }
                            self->drain();
                          });
}

void Session::close() {
  beast::error_code ignored;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  stream_.socket().close(ignored);
}

}  // namespace tandem::http
