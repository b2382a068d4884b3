// The real-time engine: channels with their subscribers and presence,
// publication fan-out, history per namespace, RPC methods and the registry of
// live connections. One Engine serves all connections of the process.
//
// Concurrency: channels are kept in shards, each shard a mutex over a map of
// channel objects; every channel has its own mutex. Publishing takes the
// channel's mutex for the history append and the fan-out, so every
// subscriber receives a channel's publications in offset order, and
// subscribing takes it to read the position, so a subscribe reply and the
// live stream agree. Delivery under the lock only appends a shared buffer to
// each connection's bounded queue. A slow connection overflows its own queue
// and is closed (3008), so it never blocks the others.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/error.h"
#include "realtime/authorizer.h"
#include "realtime/codec.h"
#include "realtime/history.h"
#include "realtime/idempotency.h"
#include "realtime/options.h"
#include "realtime/rpc.h"
#include "realtime/transport.h"
#include "realtime/types.h"

namespace tandem::realtime {

class Client;

struct PublishOptions {
  std::map<std::string, std::string> tags;
  bool skip_history = false;
  std::optional<ClientInfo> info;  // publisher, for client publications
  // Offset chosen by the caller, for history sources that own numbering
  // (document channels: the document version). MemoryHistory ignores it.
  std::optional<std::uint64_t> offset;
  // With a key, a repeated publish to the same channel within
  // kIdempotencyTtlMs returns the first result and publishes nothing.
  std::string idempotency_key;
};

inline constexpr std::int64_t kIdempotencyTtlMs = 5 * 60 * 1000;

// A connection joining a channel.
struct AttachRequest {
  Client* client = nullptr;             // identity of the subscriber
  std::shared_ptr<Transport> transport;  // where deliveries go
  bool join_leave = false;               // receives join and leave pushes
  std::optional<ClientInfo> presence;    // added to presence when set
  bool emit_join_leave = false;          // with presence: its join and leave are pushed to subscribers
  bool positioned = false;               // wants the stream position in the result
  std::optional<StreamPosition> recover_since;  // wants missed publications
};

struct AttachResult {
  StreamPosition top;
  std::vector<Publication> publications;  // missed publications, when recovered
  bool recovered = false;
};

struct PresenceStats {
  std::size_t num_clients = 0;
  std::size_t num_users = 0;
};

struct EngineStats {
  std::size_t num_clients = 0;
  std::size_t num_users = 0;
  std::size_t num_channels = 0;
  std::size_t num_subs = 0;
  std::uint64_t slow_disconnects = 0;
  std::int64_t uptime_s = 0;
};

class Engine {
 public:
  using Clock = std::function<std::int64_t()>;  // unix milliseconds
  using MessageHandler = std::function<void(const RpcCall&)>;
  // Told that `info` entered (`joined`) or left the presence of `channel`.
  using PresenceListener = std::function<void(std::string_view channel, const ClientInfo& info, bool joined)>;

  // `authorizer` must not be null. `clock` defaults to the system clock; tests
  // pass a fake one.
  Engine(EngineOptions options, std::shared_ptr<ChannelAuthorizer> authorizer, Clock clock = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const EngineOptions& options() const { return options_; }
  std::int64_t now_ms() const { return clock_(); }
  ChannelAuthorizer& authorizer() { return *authorizer_; }
  RpcRegistry& rpc() { return rpc_; }
  // Methods of the server API's `rpc` call (none by default: 104).
  ApiRpcRegistry& api_rpc() { return api_rpc_; }

  // Replaces the history source of namespace `ns` (default: one shared
  // MemoryHistory). Call before serving; not synchronized with traffic.
  void set_history_source(const std::string& ns, std::shared_ptr<HistorySource> source);

  // Sets the handler of client `send` messages; without one, `send` closes
  // the connection with 3508. Call before serving.
  void set_message_handler(MessageHandler handler) { message_handler_ = std::move(handler); }
  const MessageHandler& message_handler() const { return message_handler_; }

  // Sets the listener of presence changes in every channel. It runs after
  // the channel's lock is released, on the thread that made the change.
  // Call before serving.
  void set_presence_listener(PresenceListener listener) { presence_listener_ = std::move(listener); }

  // Returns the options of a configured namespace, or nullptr.
  const NamespaceOptions* find_namespace(std::string_view ns) const;

  // Publishes raw JSON `data` to `channel`. Thread-safe. Errors: not_found
  // for a channel outside the configured namespaces, invalid_request for an
  // invalid name or data, internal when the history source fails.
  Result<StreamPosition> publish(std::string_view channel, std::string data, PublishOptions options = {});

  // Adds a subscriber (see AttachRequest). Thread-safe.
  Result<AttachResult> attach(std::string_view channel, const NamespaceOptions& ns, AttachRequest request);

  // Removes a subscriber and its presence entry (emitting leave). Thread-safe.
  void detach(std::string_view channel, const Client* client, std::string_view client_id);

  // Stream positions. A positioned subscriber gets a channel's publications
  // only in offset order without gaps: it skips one it already has, and one
  // past a gap (or from another epoch) marks it stale instead, and its
  // Client gets Client::on_insufficient_state() on its strand. check_position()
  // also compares the positions with the stream top, at most once per
  // position_check_interval and only when no publication came meanwhile, so
  // a stream that moved without this engine (another writer of the history
  // source) is noticed too. Both are thread-safe.
  void check_position(std::string_view channel);
  // True when `client`'s subscription to `channel` is stale.
  bool position_stale(std::string_view channel, const Client* client);

  Result<HistoryResult> history(std::string_view channel, const NamespaceOptions& ns, HistoryQuery query);
  Status remove_history(std::string_view channel, const NamespaceOptions& ns);
  std::vector<ClientInfo> presence(std::string_view channel);
  // Replaces the presence entry of `info.client`, if it has one, without a
  // join or leave. Thread-safe.
  void update_presence(std::string_view channel, const ClientInfo& info);
  PresenceStats presence_stats(std::string_view channel);

  // Channels with at least one subscriber whose name matches `pattern` (a
  // glob with `*` and `?`; empty matches all), with their subscriber counts.
  std::map<std::string, std::size_t> channels(std::string_view pattern);

  EngineStats stats();

  // Connection registry, used by the server API to reach a user's clients.
  void register_client(const std::string& client_id, const std::string& user,
                       const std::shared_ptr<Client>& client);
  void unregister_client(const std::string& client_id, const std::string& user);
  // All clients of `user`, or only `client_id` when it is not empty.
  std::vector<std::shared_ptr<Client>> find_clients(std::string_view user, std::string_view client_id);

  // Sends a `message` push with raw JSON `data` to the connections of `user`
  // (only `client_id` when not empty). Returns how many connections matched.
  // Thread-safe.
  std::size_t send_message(std::string_view user, std::string_view client_id, const std::string& data);

  // Closes every registered connection with `reason` (default 3001
  // shutdown, which makes SDKs reconnect to another node or later).
  void disconnect_all(Disconnect reason = disconnects::shutdown());

  // Prepares for process exit: disconnect_all() with 3001, then drops every
  // channel, so no connection is kept alive by the engine once the I/O
  // threads stop (sessions hold the engine, channels hold the sessions).
  void shutdown();

  void count_slow_disconnect() { slow_disconnects_.fetch_add(1, std::memory_order_relaxed); }
  std::uint64_t slow_disconnects() const { return slow_disconnects_.load(std::memory_order_relaxed); }

 private:
  struct Subscriber {
    Client* client = nullptr;
    std::shared_ptr<Transport> transport;
    bool join_leave = false;
    bool positioned = false;  // offset below is tracked
    bool stale = false;       // missed a publication; gets none until it leaves
    std::uint64_t offset = 0;  // last offset this subscriber has, in the channel's epoch
  };
  struct Channel {
    std::mutex mutex;
    bool removed = false;  // unlinked from its shard; look the name up again
    std::string epoch;     // epoch of the positioned subscribers' offsets
    std::int64_t position_checked_ms = 0;  // last position check or positioned publication
    std::vector<Subscriber> subscribers;
    std::unordered_map<std::string, ClientInfo> presence;  // by client id
    std::unordered_map<std::string, std::size_t> users;     // presence entries per user
    std::unordered_set<std::string> silent;                 // presence entries whose join and leave are not pushed
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, std::shared_ptr<Channel>> channels;
  };
  static constexpr std::size_t kShards = 64;

  Shard& shard_of(std::string_view channel);
  // Returns the channel object locked, creating it when `create` is set.
  std::pair<std::shared_ptr<Channel>, std::unique_lock<std::mutex>> lock_channel(std::string_view channel,
                                                                                 bool create);
  void drop_if_empty(std::string_view channel);
  HistorySource& history_source(std::string_view ns);
  Result<StreamPosition> publish_once(std::string_view channel, std::string data, PublishOptions options);
  void deliver_presence_event(Channel& ch, std::string_view channel, std::string_view kind,
                              const ClientInfo& info);
  // Moves a positioned subscriber to `offset`; false when it must not get
  // that publication (it has it, is stale, or would see a gap).
  static bool advance(Subscriber& sub, std::uint64_t offset, std::vector<std::weak_ptr<Client>>& stale);
  // Marks a positioned subscriber stale and remembers whom to tell.
  static void mark_stale(Subscriber& sub, std::vector<std::weak_ptr<Client>>& stale);
  // Compares positioned subscribers with `top` (channel locked).
  static void compare_positions(Channel& ch, const StreamPosition& top, std::vector<std::weak_ptr<Client>>& stale);
  // Posts Client::on_insufficient_state to each client (no lock held).
  static void report_stale(std::string_view channel, const std::vector<std::weak_ptr<Client>>& stale);

  const EngineOptions options_;
  const std::shared_ptr<ChannelAuthorizer> authorizer_;
  const Clock clock_;
  const std::int64_t started_ms_;
  RpcRegistry rpc_;
  ApiRpcRegistry api_rpc_;
  std::mutex idempotency_mutex_;  // held across lookup, publish and store
  IdempotencyCache idempotent_results_{kIdempotencyTtlMs, 100'000};
  MessageHandler message_handler_;
  PresenceListener presence_listener_;
  std::shared_ptr<HistorySource> default_history_;
  std::map<std::string, std::shared_ptr<HistorySource>, std::less<>> history_by_ns_;
  std::array<Shard, kShards> shards_;

  std::mutex clients_mutex_;
  std::unordered_map<std::string, std::weak_ptr<Client>> clients_;        // by client id
  std::unordered_map<std::string, std::vector<std::string>> user_clients_;  // user → client ids
  std::atomic<std::uint64_t> slow_disconnects_{0};
};

// Matches a glob with `*` (any run) and `?` (one character).
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace tandem::realtime
