#include "http/websocket_session.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <system_error>

#include <sys/socket.h>
#include <sys/uio.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/deferred.h"
#include "http/websocket_frame.h"
#include "realtime/client.h"

namespace tandem::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using realtime::Disconnect;
using realtime::SharedMessage;

// Concrete executor types rather than any_io_executor: the type-erased
// executor's copies and queries showed up at several percent of the server's
// CPU in the fan-out profile.
using Strand = asio::strand<asio::io_context::executor_type>;
using Socket = asio::basic_stream_socket<asio::ip::tcp, Strand>;
using Timer = asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>, Strand>;

// Largest single frame the writer builds from queued messages, bytes.
constexpr std::size_t kMaxBatchBytes = 256 * 1024;
// Maximum number of buffers in one sendmsg call (IOV_MAX on Linux).
constexpr std::size_t kMaxIovecs = 1024;
// How long a close waits behind a stalled write before the socket is shut.
constexpr auto kCloseWriteTimeout = std::chrono::seconds(5);
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);

class Session final : public realtime::Transport, public std::enable_shared_from_this<Session> {
 public:
  Session(Socket socket, std::shared_ptr<realtime::Engine> engine)
      : ws_(std::move(socket)),
        strand_(ws_.get_executor()),
        engine_(std::move(engine)),
        queue_(engine_->options().queue_max_messages, engine_->options().queue_max_bytes),
        timer_(strand_),
        close_timer_(strand_) {}

  void start(UpgradeRequest request) {
    websocket::stream_base::timeout timeouts{kHandshakeTimeout, websocket::stream_base::none(), false};
    ws_.set_option(timeouts);
    ws_.read_message_max(engine_->options().max_message_bytes + 64 * 1024);
    std::weak_ptr<Session> weak = weak_from_this();
    ws_.control_callback([weak](websocket::frame_type kind, beast::string_view) {
      auto self = weak.lock();
      if (self && kind != websocket::frame_type::pong) {
        self->on_control_frame();
      }
    });

    // Echo a subprotocol only when asked for the JSON one; browsers fail the
    // handshake when the server names one they did not request.
    bool wants_json = request[beast::http::field::sec_websocket_protocol].find("centrifuge-json") !=
                      beast::string_view::npos;
    ws_.set_option(websocket::stream_base::decorator([wants_json](websocket::response_type& res) {
      res.set(beast::http::field::server, "tandem");
      if (wants_json) {
        res.set(beast::http::field::sec_websocket_protocol, "centrifuge-json");
      }
    }));
    auto self = shared_from_this();
    request_ = std::move(request);
    ws_.async_accept(request_, [self](beast::error_code ec) { self->on_accept(ec); });
  }

  // Transport interface.
  void send(SharedMessage message) override { push(std::move(message), false); }
  void deliver(SharedMessage message) override { push(std::move(message), true); }
  void hold() override { queue_.hold(); }
  void release() override {
    if (queue_.release()) {
      asio::post(strand_, [self = shared_from_this()] { self->write_next(); });
    }
  }
  void close(Disconnect reason) override {
    asio::post(strand_, [self = shared_from_this(), reason = std::move(reason)]() mutable {
      self->begin_close(std::move(reason));
    });
  }
  void post(std::function<void()> fn) override {
    asio::post(strand_, [self = shared_from_this(), fn = std::move(fn)] {
      fn();
      self->arm_timer();
    });
  }

 private:
  void push(SharedMessage message, bool delivery) {
    switch (queue_.push(std::move(message), delivery)) {
      case realtime::OutgoingQueue::PushResult::start_write:
        wake_writer(shared_from_this());
        break;
      case realtime::OutgoingQueue::PushResult::overflow:
        close(realtime::disconnects::slow());
        break;
      case realtime::OutgoingQueue::PushResult::queued:
      case realtime::OutgoingQueue::PushResult::closed:
        break;
    }
  }

  // Wakes the writer of `session`. Inside a DeferredScope (a server API
  // request or a group commit fanning out) the wake-up waits for the end of
  // the scope, so the messages queued meanwhile share one write. The
  // scope's wake-ups then reach the I/O threads in a few posts, because one
  // post per connection made the I/O threads contend for the scheduler's lock.
  static void wake_writer(std::shared_ptr<Session> session);
  static void wake_deferred_writers();

  void on_accept(beast::error_code ec) {
    request_ = {};  // the handshake is done with it; free its headers
    if (ec) {
      spdlog::debug("realtime: WebSocket handshake failed: {}", ec.message());
      return;
    }
    client_ = std::make_shared<realtime::Client>(*engine_, shared_from_this());
    client_->start();
    arm_timer();
    read_next();
  }

  // Reads frame pieces until a whole message is buffered, enforcing the size
  // limit while reading so that an oversize message is never fully buffered.
  void read_next() {
    std::size_t max = engine_->options().max_message_bytes;
    std::size_t room = max + 1 - std::min(max + 1, buffer_.size());
    ws_.async_read_some(buffer_, std::max<std::size_t>(room, 1),
                        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      finish(ec);
      return;
    }
    std::size_t max = engine_->options().max_message_bytes;
    if (buffer_.size() > max) {
      spdlog::info("realtime: client {} sent a message over {} bytes", client_id(), max);
      begin_close({3501, fmt::format("message too big: the limit is {} bytes", max)});
      read_next();  // keep reading so the close handshake can complete
      return;
    }
    if (!ws_.is_message_done()) {
      read_next();
      return;
    }
    if (ws_.got_binary()) {
      begin_close(realtime::disconnects::inappropriate_protocol());
    } else if (!closing_ && client_) {
      auto data = buffer_.cdata();
      client_->handle_message(std::string_view(static_cast<const char*>(data.data()), data.size()));
      arm_timer();
    }
    // Clients send little after connect (pongs, occasional commands), so the
    // read buffer is released between messages to keep idle connections small.
    buffer_.consume(buffer_.size());
    buffer_.shrink_to_fit();
    read_next();
  }

  // Writes what is queued, one frame per batch, until the queue is empty or
  // the socket is full.
  //
  // Data frames bypass Beast's asynchronous write. The session builds the
  // frame header itself and passes header and messages to one non-blocking
  // sendmsg. In the fan-out benchmark, Beast's composed write and the
  // completion it posts through the strand cost about as much CPU as the
  // system call. When the socket is full, the rest of the frame is copied
  // and written once there is room (see on_control_frame).
  void write_next() {
    while (!writing_) {
      batch_.clear();
      if (!queue_.take(batch_, kMaxBatchBytes)) {
        release_write_buffers();
        if (pending_close_) {
          send_close();
        }
        return;
      }
      if (!send_batch()) {
        return;
      }
    }
  }

  // Sends batch_ as one text frame, the messages joined by '\n'. Returns
  // true when all of it was written at once.
  bool send_batch() {
    std::size_t payload = batch_.size() - 1;
    for (const SharedMessage& message : batch_) {
      payload += message->size();
    }
    std::size_t header = write_text_frame_header(payload, header_.data());

    iovecs_.clear();
    iovecs_.push_back({header_.data(), header});
    if (2 * batch_.size() < kMaxIovecs) {
      for (std::size_t i = 0; i < batch_.size(); ++i) {
        if (i > 0) {
          iovecs_.push_back({const_cast<char*>("\n"), 1});
        }
        iovecs_.push_back({const_cast<char*>(batch_[i]->data()), batch_[i]->size()});
      }
    } else {
      join_batch();
      iovecs_.push_back({joined_.data(), joined_.size()});
    }

    msghdr message{};
    message.msg_iov = iovecs_.data();
    message.msg_iovlen = iovecs_.size();
    ssize_t sent = ::sendmsg(beast::get_lowest_layer(ws_).native_handle(), &message, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent == static_cast<ssize_t>(header + payload)) {
      return true;
    }
    if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      write_failed(std::error_code(errno, std::generic_category()).message());
      return false;
    }
    keep_unsent(static_cast<std::size_t>(std::max<ssize_t>(sent, 0)));
    return false;
  }

  // Frees the buffers a large backlog grew, once the queue is empty, so
  // that a connection that caught up once does not keep them while idle.
  void release_write_buffers() {
    constexpr std::size_t kKeptEntries = 16;
    if (batch_.capacity() > kKeptEntries) {
      std::vector<SharedMessage>().swap(batch_);
    }
    if (iovecs_.capacity() > 2 * kKeptEntries) {
      std::vector<iovec>().swap(iovecs_);
    }
    std::string().swap(joined_);
  }

  // Joins batch_ into joined_, for batches with more pieces than one
  // sendmsg takes.
  void join_batch() {
    joined_.clear();
    for (std::size_t i = 0; i < batch_.size(); ++i) {
      if (i > 0) {
        joined_ += '\n';
      }
      joined_.append(*batch_[i]);
    }
  }

  // Copies the part of the frame in iovecs_ past `sent` bytes and writes it
  // once the socket has room.
  void keep_unsent(std::size_t sent) {
    unsent_.clear();
    for (const iovec& piece : iovecs_) {
      std::size_t skip = std::min(sent, piece.iov_len);
      sent -= skip;
      unsent_.append(static_cast<const char*>(piece.iov_base) + skip, piece.iov_len - skip);
    }
    batch_.clear();
    joined_.clear();
    writing_ = true;
    asio::async_write(beast::get_lowest_layer(ws_), asio::buffer(unsent_),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_unsent_written(ec); });
  }

  void on_unsent_written(beast::error_code ec) {
    writing_ = false;
    std::string().swap(unsent_);
    if (ec) {
      write_failed(ec.message());
      return;
    }
    write_next();
  }

  // Drops the queue and disconnects after a failed write. Peers that vanish
  // cause these, so they are logged at debug level only.
  void write_failed(const std::string& cause) {
    spdlog::debug("realtime: writing to client {} failed: {}", client_id(), cause);
    batch_.clear();
    queue_.close(true);
    if (client_) {
      client_->disconnect(realtime::disconnects::write_error());
    }
    shutdown_socket();
  }

  // Beast replies to a ping with a pong, and to a peer's close with a close,
  // by writing on its own. While part of a session frame waits for room,
  // such a write would land inside that frame, so the connection is shut
  // instead. Only a peer that sends WebSocket pings while it reads nothing
  // gets here (the centrifuge SDKs send no WebSocket pings).
  void on_control_frame() {
    if (!unsent_.empty()) {
      spdlog::debug("realtime: client {} sent a control frame while a frame to it was partly written; "
                    "closing the connection", client_id());
      shutdown_socket();
    }
  }

  // Closes after the queued messages, except for a slow connection whose
  // queue is dropped. The close frame goes out once no write is in flight.
  void begin_close(Disconnect reason) {
    if (closing_) {
      return;
    }
    closing_ = true;
    bool slow = reason.code == realtime::disconnects::slow().code;
    if (slow) {
      engine_->count_slow_disconnect();
      log_slow_consumer();
    }
    queue_.close(slow);
    pending_close_ = std::move(reason);
    if (client_) {
      client_->disconnect(*pending_close_);
    }

    // A peer that does not read keeps the write in flight; do not wait for
    // it forever.
    close_timer_.expires_after(kCloseWriteTimeout);
    close_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) {
        self->shutdown_socket();
      }
    });
    if (!writing_) {
      write_next();
    }
  }

  // Logs at most one line per second however many consumers are slow; the
  // engine's stats count every one.
  void log_slow_consumer() {
    static std::atomic<std::int64_t> last_log_ms{0};
    std::int64_t now = engine_->now_ms();
    std::int64_t last = last_log_ms.load();
    if (now - last < 1000 || !last_log_ms.compare_exchange_strong(last, now)) {
      return;
    }
    spdlog::warn("realtime: client {} closed as a slow consumer: outgoing queue over {} messages or {} bytes "
                 "({} slow disconnects so far)",
                 client_id(), engine_->options().queue_max_messages, engine_->options().queue_max_bytes,
                 engine_->slow_disconnects());
  }

  void send_close() {
    if (close_sent_ || !pending_close_) {
      return;
    }
    close_sent_ = true;
    websocket::close_reason reason(static_cast<websocket::close_code>(pending_close_->code),
                                   pending_close_->reason);
    ws_.async_close(reason, [self = shared_from_this()](beast::error_code ec) {
      if (ec) {
        self->shutdown_socket();
      }
    });
  }

  void shutdown_socket() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).close(ignored);
  }

  // The read loop ended: the connection is gone.
  void finish(beast::error_code ec) {
    if (ec != websocket::error::closed && ec != asio::error::operation_aborted && ec != asio::error::eof) {
      spdlog::debug("realtime: client {} read ended: {}", client_id(), ec.message());
    }
    closing_ = true;
    queue_.close(true);
    timer_.cancel();
    close_timer_.cancel();
    if (client_) {
      client_->on_closed();
      client_.reset();
    }
    shutdown_socket();
  }

  void arm_timer() {
    if (!client_) {
      return;
    }
    std::optional<std::int64_t> deadline = client_->next_deadline();
    if (deadline == armed_deadline_) {
      return;
    }
    armed_deadline_ = deadline;
    ++timer_generation_;
    if (!deadline) {
      timer_.cancel();
      return;
    }
    std::int64_t wait_ms = std::max<std::int64_t>(0, *deadline - engine_->now_ms());
    timer_.expires_after(std::chrono::milliseconds(wait_ms));
    timer_.async_wait([self = shared_from_this(), generation = timer_generation_](beast::error_code ec) {
      if (ec || generation != self->timer_generation_ || !self->client_) {
        return;
      }
      self->armed_deadline_.reset();
      self->client_->on_timer();
      self->arm_timer();
    });
  }

  std::string client_id() const { return client_ && !client_->id().empty() ? client_->id() : "(connecting)"; }

  websocket::stream<Socket> ws_;
  Strand strand_;  // the socket's executor (see rebind_to_strand)
  std::shared_ptr<realtime::Engine> engine_;
  realtime::OutgoingQueue queue_;
  std::shared_ptr<realtime::Client> client_;
  UpgradeRequest request_;
  beast::flat_buffer buffer_;
  Timer timer_;
  Timer close_timer_;
  std::optional<std::int64_t> armed_deadline_;
  std::uint64_t timer_generation_ = 0;
  std::vector<SharedMessage> batch_;
  std::array<unsigned char, kMaxFrameHeaderBytes> header_{};
  std::vector<iovec> iovecs_;
  std::string joined_;  // a batch too long for one sendmsg, joined
  std::string unsent_;  // the rest of a frame the socket had no room for
  bool writing_ = false;
  bool closing_ = false;
  bool close_sent_ = false;
  std::optional<Disconnect> pending_close_;
};

// Writers woken on this thread in its open DeferredScope, in wake order.
thread_local std::vector<std::shared_ptr<Session>> deferred_wakes;

// Wake-ups handed to one I/O thread at a time.
constexpr std::size_t kWakesPerPost = 64;

void Session::wake_writer(std::shared_ptr<Session> session) {
  if (!core::deferred_scope_open()) {
    asio::post(session->strand_, [session] { session->write_next(); });
    return;
  }
  if (deferred_wakes.empty()) {
    core::queue_deferred([] { wake_deferred_writers(); });
  }
  deferred_wakes.push_back(std::move(session));
}

void Session::wake_deferred_writers() {
  auto wakes = std::move(deferred_wakes);
  deferred_wakes.clear();

  // Each post runs on an I/O thread and dispatches to the sessions' strands.
  // An idle strand runs the write at once, without another trip through the
  // scheduler.
  for (std::size_t begin = 0; begin < wakes.size(); begin += kWakesPerPost) {
    std::size_t end = std::min(wakes.size(), begin + kWakesPerPost);
    std::vector<std::shared_ptr<Session>> chunk(std::make_move_iterator(wakes.begin() + begin),
                                                std::make_move_iterator(wakes.begin() + end));
    auto io = chunk.front()->strand_.get_inner_executor();
    asio::post(io, [chunk = std::move(chunk)] {
      for (const auto& session : chunk) {
        asio::dispatch(session->strand_, [session] { session->write_next(); });
      }
    });
  }
}

std::string_view host_of_origin(std::string_view origin) {
  std::size_t scheme = origin.find("://");
  return scheme == std::string_view::npos ? origin : origin.substr(scheme + 3);
}

void reject(beast::tcp_stream stream, const UpgradeRequest& request, std::string_view origin) {
  spdlog::info("realtime: WebSocket upgrade from origin \"{}\" rejected: not same origin nor in allowed_origins",
               origin);
  auto res = std::make_shared<beast::http::response<beast::http::string_body>>(beast::http::status::forbidden,
                                                                              request.version());
  res->set(beast::http::field::content_type, "text/plain");
  res->body() = "origin not allowed; add it to realtime.allowed_origins\n";
  res->keep_alive(false);
  res->prepare_payload();
  auto s = std::make_shared<beast::tcp_stream>(std::move(stream));
  s->expires_after(std::chrono::seconds(5));
  beast::http::async_write(*s, *res, [s, res](beast::error_code, std::size_t) {
    beast::error_code ignored;
    s->socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  });
}

// Moves the socket onto a new socket object whose executor is a strand of the
// same io_context, so that every completion handler of the session runs
// serialized without binding each one.
std::optional<Socket> rebind_to_strand(beast::tcp_stream& stream) {
  beast::error_code ec;
  auto& old_socket = stream.socket();
  auto protocol = old_socket.local_endpoint(ec).protocol();
  if (ec) {
    return std::nullopt;
  }
  auto handle = old_socket.release(ec);
  if (ec) {
    return std::nullopt;
  }
  auto& io = static_cast<asio::io_context&>(asio::query(stream.get_executor(), asio::execution::context));
  Socket rebound(asio::make_strand(io));
  rebound.assign(protocol, handle, ec);
  if (ec) {
    return std::nullopt;
  }

  // Pushes are small and latency-bound: without TCP_NODELAY a frame written
  // while earlier data is unacknowledged waits for the peer's delayed ACK.
  rebound.set_option(asio::ip::tcp::no_delay(true), ec);
  return rebound;
}

}  // namespace

bool origin_allowed(std::string_view origin, std::string_view host, const realtime::EngineOptions& options) {
  if (origin.empty()) {
    return true;  // not a browser: no cross-site request to guard against
  }
  if (!host.empty() && host_of_origin(origin) == host) {
    return true;
  }
  return std::any_of(options.allowed_origins.begin(), options.allowed_origins.end(),
                     [&](const std::string& allowed) { return allowed == "*" || allowed == origin; });
}

void run_websocket_session(beast::tcp_stream stream, UpgradeRequest request,
                           std::shared_ptr<realtime::Engine> engine) {
  std::string_view origin = request[beast::http::field::origin];
  std::string_view host = request[beast::http::field::host];
  if (!origin_allowed(origin, host, engine->options())) {
    reject(std::move(stream), request, origin);
    return;
  }
  auto rebound = rebind_to_strand(stream);
  if (!rebound) {
    spdlog::warn("realtime: could not move an accepted WebSocket onto a strand; connection dropped");
    return;
  }
  auto session = std::make_shared<Session>(std::move(*rebound), std::move(engine));
  session->start(std::move(request));
}

}  // namespace tandem::http
