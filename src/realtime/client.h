// One client connection's protocol state machine: decodes commands, enforces
// the protocol rules and limits, subscribes to channels through the Engine and
// writes replies through its Transport. Independent of sockets, so tests
// drive it directly.
//
// Threading: every method runs on the connection's strand (the transport's
// serial executor); the Client itself holds no lock. Timers are not owned
// here: the transport calls next_deadline() after each call and calls
// on_timer() when that time has come.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "realtime/codec.h"
#include "realtime/engine.h"
#include "realtime/protocol.h"
#include "realtime/subscribe_override.h"
#include "realtime/transport.h"

namespace tandem::realtime {

// A subscription made through the server API's `subscribe`.
struct ServerSubscription {
  std::optional<StreamPosition> recover_since;  // recover from this position
  std::string chan_info;  // raw JSON shown in presence, join/leave and publications; may be empty
  std::string data;       // raw JSON sent in the subscribe push; may be empty
  std::optional<std::int64_t> expires_at_s;  // without a refresh, close 3006 after this plus the grace
  SubscribeOverride changes;                 // the request's `override`
};

class Client : public std::enable_shared_from_this<Client> {
 public:
  // The transport owns the Client through a shared_ptr and must call
  // on_closed() when the connection ends.
  Client(Engine& engine, std::shared_ptr<Transport> transport);
  ~Client();

  // Arms the stale timer. Call once, before the first message.
  void start();

  // Processes one WebSocket text message: '\n'-separated commands, in order.
  void handle_message(std::string_view message);

  // Returns the earliest unix-ms time at which on_timer() has work, if any.
  std::optional<std::int64_t> next_deadline() const;

  // Sends pings and closes stale, silent or expired connections.
  void on_timer();

  // Closes the transport with `reason` and leaves every channel.
  void disconnect(Disconnect reason);

  // Called once the transport is gone: leaves channels and unregisters.
  // Idempotent; the Client sends nothing afterwards.
  void on_closed();

  // Server API actions (see server_api.h); no-ops on a closed connection.
  void server_subscribe(const std::string& channel, const ServerSubscription& options);
  void server_unsubscribe(const std::string& channel);
  // `info`, when not empty, replaces the connection info (raw JSON) in
  // presence and in later joins, leaves and publications.
  void server_refresh(bool expired, std::optional<std::int64_t> expire_at_s, const std::string& info);
  void server_message(const SharedMessage& message);

  // Ends a positioned subscription that missed publications, if it is still
  // the stale one: unsubscribe push 2500 (the SDK resubscribes and
  // recovers), or close 3010 for a server-side subscription. The engine
  // calls it through post().
  void on_insufficient_state(const std::string& channel);

  // Runs `fn` on this connection's strand unless the transport is gone.
  // Thread-safe: the only Client method callable from any thread.
  void post(std::function<void(Client&)> fn);

  const std::string& id() const { return id_; }
  const std::string& user() const { return user_; }
  bool connected() const { return state_ == State::connected; }
  std::size_t subscription_count() const { return subs_.size(); }

 private:
  enum class State { connecting, connected, closed };

  struct Subscription {
    bool server_side = false;
    bool recoverable = false;
    bool positioned = false;
    std::string chan_info;
    std::optional<std::int64_t> close_at_ms;  // token expiry plus grace
  };

  // Options of one channel join; see join_channel().
  struct JoinParams {
    bool server_side = false;
    bool want_recoverable = false;
    bool want_positioned = false;
    bool join_leave = false;
    bool recover = false;
    StreamPosition since;
    std::string chan_info;
    std::optional<std::int64_t> expires_at_s;
    std::string data;  // raw JSON for the result's `data`, may be empty
    SubscribeOverride changes;  // from the server API or a token
  };

  void dispatch(const Command& cmd);
  bool take_rate_token();

  void on_connect(const Command& cmd);
  void on_subscribe(const Command& cmd);
  void on_unsubscribe(const Command& cmd);
  void on_publish(const Command& cmd);
  // Replies with the error and returns false unless the channel keeps
  // presence and this connection may read it.
  bool check_presence_access(const Command& cmd);
  void on_presence(const Command& cmd);
  void on_presence_stats(const Command& cmd);
  void on_history(const Command& cmd);
  void on_rpc(const Command& cmd);
  void on_refresh(const Command& cmd);
  void on_sub_refresh(const Command& cmd);
  void on_send(const Command& cmd);

  // Subscribes and returns the SubscribeResult body, or an error reply.
  std::expected<std::string, ProtocolError> join_channel(const std::string& channel, const NamespaceOptions& ns,
                                                         const JoinParams& params);
  void leave_all();
  void expire_subscriptions(std::int64_t now);
  // Asks the engine to check the positioned channels every
  // position_check_interval.
  void check_positions(std::int64_t now);

  // Resolves a channel for a command; sends the error reply on failure.
  const NamespaceOptions* resolve(std::uint32_t id, const std::string& channel, ChannelName& name);
  // True when the namespace rule (or, for `token` namespaces, a token) lets
  // this connection read the channel.
  bool may_read(const std::string& channel, const ChannelName& name, const NamespaceOptions& ns);
  bool matches_token_pattern(std::string_view channel) const;

  void send(std::string message);
  void reply(std::uint32_t id, std::string_view method, std::string_view body);
  void reply_error(std::uint32_t id, const ProtocolError& error);
  void set_connection_expiry(std::optional<std::int64_t> expires_at_s);

  Engine& engine_;
  // The transport owns this Client, so a strong reference here would be a
  // cycle: keep a raw pointer for the strand (null after on_closed) and a
  // weak one for handing out to channels and for post().
  Transport* transport_;
  const std::weak_ptr<Transport> strand_;  // never reset, read from any thread
  State state_ = State::connecting;
  bool connect_failed_ = false;  // a connect error was sent; ignore the rest
  std::string id_;
  std::string user_;
  std::string info_;  // raw JSON from the token `info`, may be empty
  std::vector<std::string> token_patterns_;  // `channels` entries with '*'
  std::unordered_map<std::string, Subscription> subs_;

  std::int64_t stale_at_ms_ = 0;
  std::optional<std::int64_t> next_ping_ms_;
  std::optional<std::int64_t> pong_deadline_ms_;
  std::optional<std::int64_t> expire_close_at_ms_;
  std::optional<std::int64_t> next_position_check_ms_;
  double rate_tokens_ = 0;
  std::int64_t rate_refilled_ms_ = 0;
};

}  // namespace tandem::realtime
