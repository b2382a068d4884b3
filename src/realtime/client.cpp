#include "realtime/client.h"

#include <algorithm>
#include <random>

#include <spdlog/spdlog.h>

#include "auth/jwt.h"
#include "core/ids.h"

namespace tandem::realtime {
namespace {

std::string new_client_id() {
  std::string hex = random_hex(16);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

// Writes `expires` and `ttl` (seconds left, at least 1) for a token expiry.
void write_expiry(ObjectWriter& w, std::optional<std::int64_t> expires_at_s, std::int64_t now_ms) {
  if (!expires_at_s) {
    return;
  }
  std::int64_t ttl = std::max<std::int64_t>(1, *expires_at_s - now_ms / 1000);
  w.boolean("expires", true).number("ttl", static_cast<std::uint64_t>(ttl));
}

std::int64_t random_between(std::int64_t low, std::int64_t high) {
  thread_local std::minstd_rand rng(std::random_device{}());
  return std::uniform_int_distribution<std::int64_t>(low, high)(rng);
}

}  // namespace

Client::Client(Engine& engine, std::shared_ptr<Transport> transport)
    : engine_(engine), transport_(transport.get()), strand_(transport) {}

void Client::post(std::function<void(Client&)> fn) {
  auto transport = strand_.lock();
  if (!transport) {
    return;
  }
  transport->post([self = shared_from_this(), fn = std::move(fn)] { fn(*self); });
}

Client::~Client() = default;

void Client::start() {
  std::int64_t now = engine_.now_ms();
  stale_at_ms_ = now + engine_.options().stale_close_delay_s * 1000;
  rate_tokens_ = static_cast<double>(engine_.options().command_burst);
  rate_refilled_ms_ = now;
}

void Client::send(std::string message) {
  if (transport_) {
    transport_->send(std::make_shared<const std::string>(std::move(message)));
  }
}

void Client::reply(std::uint32_t id, std::string_view method, std::string_view body) {
  send(encode_reply(id, method, body));
}

void Client::reply_error(std::uint32_t id, const ProtocolError& error) {
  if (id != 0) {
    send(encode_error(id, error));
  }
}

void Client::disconnect(Disconnect reason) {
  if (state_ == State::closed) {
    return;
  }
  spdlog::debug("realtime: closing client {} user {}: {} {}", id_, user_, reason.code, reason.reason);
  state_ = State::closed;
  if (transport_) {
    transport_->close(std::move(reason));
  }
  leave_all();
}

void Client::on_closed() {
  state_ = State::closed;
  leave_all();
  transport_ = nullptr;
}

void Client::leave_all() {
  for (const auto& [channel, sub] : subs_) {
    engine_.detach(channel, this, id_);
  }
  subs_.clear();
  if (!id_.empty()) {
    engine_.unregister_client(id_, user_);
    id_.clear();
  }
}

bool Client::take_rate_token() {
  const auto& o = engine_.options();
  std::int64_t now = engine_.now_ms();
  double refill = static_cast<double>(now - rate_refilled_ms_) * o.command_rate_per_s / 1000.0;
  rate_tokens_ = std::min(static_cast<double>(o.command_burst), rate_tokens_ + refill);
  rate_refilled_ms_ = now;
  if (rate_tokens_ < 1.0) {
    return false;
  }
  rate_tokens_ -= 1.0;
  return true;
}

void Client::handle_message(std::string_view message) {
  if (state_ == State::closed) {
    return;
  }
  // Any frame from the client counts as the pong for an outstanding ping.
  pong_deadline_ms_.reset();

  for (std::string_view line : split_lines(message)) {
    if (state_ == State::closed || connect_failed_) {
      return;
    }
    auto cmd = decode_command(line);
    if (!cmd) {
      spdlog::info("realtime: client {} sent an invalid command: {}", id_.empty() ? "(connecting)" : id_,
                   cmd.error().message);
      disconnect(disconnects::bad_request());
      return;
    }
    dispatch(*cmd);
  }
}

void Client::dispatch(const Command& cmd) {
  // `{}` without an id is a pong; with an id it names no method.
  if (cmd.method == Method::empty) {
    if (cmd.id != 0 || state_ != State::connected) {
      disconnect(disconnects::bad_request());
    }
    return;
  }
  // Every command but `send` needs an id; Centrifugo treats one without an id
  // as a pong.
  if (cmd.id == 0 && cmd.method != Method::send) {
    return;
  }
  if ((state_ == State::connecting) != (cmd.method == Method::connect)) {
    disconnect(disconnects::bad_request());
    return;
  }
  if (!take_rate_token()) {
    reply_error(cmd.id, errors::too_many_requests());
    return;
  }

  switch (cmd.method) {
    case Method::connect: return on_connect(cmd);
    case Method::subscribe: return on_subscribe(cmd);
    case Method::unsubscribe: return on_unsubscribe(cmd);
    case Method::publish: return on_publish(cmd);
    case Method::presence: return on_presence(cmd);
    case Method::presence_stats: return on_presence_stats(cmd);
    case Method::history: return on_history(cmd);
    case Method::rpc: return on_rpc(cmd);
    case Method::refresh: return on_refresh(cmd);
    case Method::sub_refresh: return on_sub_refresh(cmd);
    case Method::send: return on_send(cmd);
    case Method::ping: return reply_error(cmd.id, errors::not_available());
    case Method::empty: return;
  }
}

void Client::set_connection_expiry(std::optional<std::int64_t> expires_at_s) {
  if (!expires_at_s) {
    expire_close_at_ms_.reset();
    return;
  }
  expire_close_at_ms_ = (*expires_at_s + engine_.options().expired_close_delay_s) * 1000;
}

void Client::on_connect(const Command& cmd) {
  const EngineOptions& o = engine_.options();
  std::int64_t now = engine_.now_ms();

  // Verify the token: expired → 109 so the SDK fetches a new one; anything
  // else wrong with it → 3500, terminal.
  auth::VerifyOptions verify{o.jwt_secret, now / 1000, o.clock_skew_s, true};
  auto claims = auth::verify_token(cmd.token, verify);
  if (!claims) {
    if (claims.error().failure == auth::TokenFailure::expired) {
      reply_error(cmd.id, errors::token_expired());
      connect_failed_ = true;
      return;
    }
    spdlog::info("realtime: connect rejected: {}", claims.error().message);
    disconnect(disconnects::invalid_token());
    return;
  }
  if (!claims->channel.empty()) {
    spdlog::info("realtime: connect rejected: a connection token must not carry a 'channel' claim");
    disconnect(disconnects::invalid_token());
    return;
  }

  // `expire_at` sets the connection's expiry apart from `exp`; one already
  // past is error 110, which the SDK does not retry.
  std::optional<std::int64_t> expires_at = claims->session_expiry();
  if (expires_at && *expires_at <= now / 1000) {
    spdlog::info("realtime: connect rejected: the token's expire_at is in the past");
    reply_error(cmd.id, errors::expired());
    connect_failed_ = true;
    return;
  }

  // Token channels (`subs`, else `channels`): exact names are server-side
  // subscriptions and must name configured namespaces; names with '*' are
  // permission patterns.
  std::vector<std::pair<auth::TokenSubscription, SubscribeOverride>> server_channels;
  for (auth::TokenSubscription& sub : claims->token_subscriptions()) {
    const std::string& channel = sub.channel;
    if (channel.find('*') != std::string::npos) {
      token_patterns_.push_back(channel);
      continue;
    }
    auto name = parse_channel(channel);
    if (!name || engine_.find_namespace(name->ns) == nullptr) {
      spdlog::info("realtime: connect rejected: token channel \"{}\" is not in a configured namespace", channel);
      reply_error(cmd.id, errors::unknown_channel());
      connect_failed_ = true;
      return;
    }
    auto changes = parse_subscribe_override(sub.override_json);
    if (!changes) {
      spdlog::info("realtime: connect rejected: token channel \"{}\" has an invalid override: {}", channel,
                   changes.error());
      disconnect(disconnects::invalid_token());
      return;
    }
    server_channels.emplace_back(std::move(sub), *changes);
  }

  id_ = new_client_id();
  user_ = claims->subject;
  info_ = claims->info_json;
  state_ = State::connected;
  set_connection_expiry(expires_at);
  engine_.register_client(id_, user_, shared_from_this());

  // Publications to the server-side channels wait until the reply is queued.
  transport_->hold();
  ObjectWriter subs;
  bool any_sub = false;
  for (const auto& [sub, changes] : server_channels) {
    const std::string& channel = sub.channel;
    auto name = parse_channel(channel);
    const NamespaceOptions* ns = engine_.find_namespace(name->ns);
    AccessRequest access{user_, channel, *name, ns, ChannelAction::subscribe};
    if (ns->subscribe != SubscribeRule::token && !engine_.authorizer().allowed(access)) {
      spdlog::info("realtime: client {} user {} not subscribed to token channel {}: permission denied", id_, user_,
                   channel);
      continue;
    }
    JoinParams params;
    params.server_side = true;
    params.join_leave = true;
    params.chan_info = sub.info_json;
    params.data = sub.data_json;
    params.changes = changes;
    if (auto it = cmd.subs.find(channel); it != cmd.subs.end() && it->second.recover) {
      params.recover = true;
      params.since = {it->second.offset, it->second.epoch};
    }
    auto body = join_channel(channel, *ns, params);
    if (body) {
      subs.raw_always(channel, *body);
      any_sub = true;
    }
  }

  ObjectWriter result;
  result.string("client", id_).string("version", o.server_version);
  write_expiry(result, expires_at, now);
  if (any_sub) {
    result.raw_always("subs", subs.finish());
  }
  result.number("ping", static_cast<std::uint64_t>(o.ping_interval_s)).boolean("pong", o.pong_timeout_s > 0);
  reply(cmd.id, "connect", result.finish());
  transport_->release();

  // The first ping comes at a random point in the second half of the interval.
  std::int64_t interval_ms = o.ping_interval_s * 1000;
  next_ping_ms_ = now + random_between(interval_ms / 2, interval_ms);
  spdlog::debug("realtime: client {} connected as user {}", id_, user_);
}

const NamespaceOptions* Client::resolve(std::uint32_t id, const std::string& channel, ChannelName& name) {
  auto parsed = parse_channel(channel);
  if (!parsed) {
    reply_error(id, errors::bad_request());
    return nullptr;
  }
  name = *parsed;
  const NamespaceOptions* ns = engine_.find_namespace(name.ns);
  if (ns == nullptr) {
    reply_error(id, errors::unknown_channel());
  }
  return ns;
}

bool Client::matches_token_pattern(std::string_view channel) const {
  return std::any_of(token_patterns_.begin(), token_patterns_.end(),
                     [&](const std::string& p) { return glob_match(p, channel); });
}

bool Client::may_read(const std::string& channel, const ChannelName& name, const NamespaceOptions& ns) {
  if (ns.subscribe == SubscribeRule::token) {
    return subs_.contains(channel) || matches_token_pattern(channel);
  }
  AccessRequest access{user_, channel, name, &ns, ChannelAction::subscribe};
  return engine_.authorizer().allowed(access);
}

std::expected<std::string, ProtocolError> Client::join_channel(const std::string& channel,
                                                               const NamespaceOptions& ns,
                                                               const JoinParams& p) {
  const SubscribeOverride& changes = p.changes;
  bool history = ns.history_enabled();
  bool recoverable = history && (changes.force_recovery.value_or(ns.force_recovery) || p.want_recoverable);
  bool positioned = history && (recoverable || changes.force_positioning.value_or(false) || p.want_positioned);
  bool pushes_join_leave =
      (changes.join_leave.value_or(ns.join_leave) && p.join_leave) || changes.force_push_join_leave.value_or(false);

  AttachRequest req;
  req.client = this;
  req.transport = strand_.lock();
  req.join_leave = pushes_join_leave;
  if (changes.presence.value_or(ns.presence)) {
    req.presence = ClientInfo{user_, id_, info_, p.chan_info};
    req.emit_join_leave = changes.join_leave.value_or(ns.join_leave);
  }
  req.positioned = positioned;
  if (recoverable && p.recover) {
    req.recover_since = p.since;
  }
  auto attached = engine_.attach(channel, ns, std::move(req));
  if (!attached) {
    // A history source may not know the channel (a document that does not
    // exist): that is final for the client, unlike a storage failure.
    if (attached.error().code == ErrorCode::not_found) {
      spdlog::debug("realtime: client {} subscribed to unknown {}: {}", id_, channel, attached.error().message);
      return std::unexpected(errors::unknown_channel());
    }
    spdlog::error("realtime: subscribe of client {} to {} failed: {}", id_, channel, attached.error().message);
    return std::unexpected(errors::internal());
  }

  Subscription sub;
  sub.server_side = p.server_side;
  sub.recoverable = recoverable;
  sub.positioned = positioned;
  sub.chan_info = p.chan_info;
  if (p.expires_at_s) {
    sub.close_at_ms = (*p.expires_at_s + engine_.options().expired_close_delay_s) * 1000;
  }
  subs_[channel] = std::move(sub);

  ObjectWriter w;
  write_expiry(w, p.expires_at_s, engine_.now_ms());
  w.raw("data", p.data);
  w.boolean("recoverable", recoverable).boolean("positioned", positioned);
  if (positioned) {
    // On successful recovery the SDK expects its own offset back and advances
    // it through the publications in the reply.
    bool recovered = attached->recovered;
    w.string("epoch", attached->top.epoch).number("offset", recovered ? p.since.offset : attached->top.offset);
    if (recovered && !attached->publications.empty()) {
      w.raw_always("publications", encode_publications(attached->publications));
    }
    w.boolean("recovered", recovered).boolean("was_recovering", recoverable && p.recover);
  }
  return w.finish();
}

}  // namespace tandem::realtime
