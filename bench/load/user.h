// One simulated user: a WebSocket client speaking the Centrifugo JSON
// protocol that keeps a json0 replica of the document it has open, as a
// ShareDB-style client does. At most one op is in flight; local edits made
// meanwhile wait in one pending op. Incoming ops are transformed against
// both. After a reconnect the client recovers missed ops from the channel
// history (subscribe with recovery, then `history` pages), refetches the
// document when that fails, and resubmits the op in flight with the same
// (client_id, seq).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "ot/op.h"
#include "world.h"

namespace tandem::load {

// The client's copy of one document.
struct Replica {
  int doc = -1;
  std::string client_id;
  bool loaded = false;        // content and version came from the server
  bool catching_up = false;   // fetching missed ops; live publications wait in `buffered`
  boost::json::value content;
  std::int64_t version = 0;
  std::string epoch;
  std::optional<ot::Op> inflight;
  std::int64_t inflight_seq = 0;
  bool inflight_sent = false;
  std::int64_t inflight_sent_us = 0;
  std::vector<Notice> inflight_notices;  // what the op in flight will notify once acknowledged
  std::vector<Notice> pending_notices;
  std::optional<ot::Op> pending;
  std::int64_t caret = 0;     // UTF-16 offset into content.text
  std::deque<boost::json::object> buffered;
};

class User : public std::enable_shared_from_this<User> {
 public:
  User(World& world, int index, int doc, bool hot);

  // Connects (and later reconnects with backoff) and opens the document.
  void start(std::function<void()> on_first_ready);
  // Starts the typing bursts and the timed actions (cursor, search, mention, assign, switch).
  void begin_activity();
  // True when nothing local waits for the server and the replica is current.
  bool idle() const;
  bool online() const { return online_; }
  const Replica& replica() const { return replica_; }
  int index() const { return index_; }
  // Closes the connection for good (end of run).
  void close();

 private:
  // One connection: its socket, outgoing queue and read buffer live as long
  // as a callback references it, so a dropped connection's late callbacks are safe.
  struct Connection {
    explicit Connection(boost::asio::io_context& io) : ws(io) {}
    boost::beast::websocket::stream<boost::beast::tcp_stream> ws;
    std::deque<std::string> out;
    boost::beast::flat_buffer buffer;
  };
  using Handler = std::function<void(const boost::json::object& reply)>;

  void connect();
  void on_disconnect(const std::string& reason);
  void schedule_reconnect();
  void send_commands(const std::vector<std::pair<std::string, boost::json::object>>& commands,
                     const std::vector<Handler>& handlers);
  void send_command(const std::string& method, boost::json::object params, Handler handler);
  void write_next(const std::shared_ptr<Connection>& conn);
  void read(const std::shared_ptr<Connection>& conn);
  void on_line(std::string_view line);
  void on_push(const boost::json::object& push);

  // Document channel.
  boost::json::object doc_subscribe_params() const;
  void on_doc_subscribed(const boost::json::object& reply);
  void fetch_snapshot();
  void read_history();
  void finish_catch_up();
  void on_publication(const boost::json::object& pub);
  void on_op(const boost::json::object& data);
  void apply_remote(const boost::json::object& data);
  void on_own_op(std::int64_t version);
  void register_notices(std::int64_t version);
  void send_submit();
  void on_submit_reply(const std::string& client_id, std::int64_t seq, const boost::json::object& reply);
  void lose_replica(const std::string& reason);

  // Local edits.
  void flush();
  void add_local(ot::Op op);
  void schedule_key(std::int64_t delay_ms);
  void type_key();
  void maybe_send_cursor();
  void schedule_action(boost::asio::steady_timer& timer, double mean_s, void (User::*action)());
  void mention();
  void assign();
  void search();
  void switch_document();
  void on_user_push(const boost::json::object& data, std::int64_t at_us);

  World& world_;
  int index_;
  std::string user_id_;
  int home_doc_;
  bool hot_;
  std::mt19937_64 random_;
  std::shared_ptr<Connection> conn_;
  bool online_ = false;
  bool counted_ = false;  // counted in world_.connected
  bool closed_ = false;
  int attempts_ = 0;
  std::uint32_t next_id_ = 1;
  std::unordered_map<std::uint32_t, Handler> replies_;
  boost::asio::steady_timer reconnect_timer_;
  boost::asio::steady_timer key_timer_;
  boost::asio::steady_timer search_timer_, mention_timer_, assign_timer_, switch_timer_;
  std::function<void()> on_first_ready_;
  Replica replica_;
  // Typing: position in a trace and keystrokes left in the current burst.
  std::size_t trace_ = 0;
  std::size_t key_ = 0;
  int burst_left_ = 0;
  int burst_length_ = 0;
  std::int64_t burst_start_us_ = 0;
  std::int64_t last_cursor_us_ = -1'000'000'000;
};

}  // namespace tandem::load
