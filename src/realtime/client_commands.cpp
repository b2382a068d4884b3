// Client command handlers after connect: one function per protocol method.
#include <spdlog/spdlog.h>

#include "auth/jwt.h"
#include "realtime/client.h"

namespace tandem::realtime {

void Client::on_subscribe(const Command& cmd) {
  const EngineOptions& o = engine_.options();
  ChannelName name;
  const NamespaceOptions* ns = resolve(cmd.id, cmd.channel, name);
  if (ns == nullptr) {
    return;
  }
  if (subs_.contains(cmd.channel)) {
    return reply_error(cmd.id, errors::already_subscribed());
  }
  if (subs_.size() >= o.max_channels_per_connection) {
    return reply_error(cmd.id, errors::limit_exceeded());
  }

  // A subscription token: expired → 109 (the SDK fetches a new one), invalid
  // → 103, issued for another channel or user → 3500.
  JoinParams params;
  bool token_grants = false;
  if (!cmd.token.empty()) {
    auth::VerifyOptions verify{o.jwt_secret, engine_.now_ms() / 1000, o.clock_skew_s, false};
    auto claims = auth::verify_token(cmd.token, verify);
    if (!claims) {
      bool expired = claims.error().failure == auth::TokenFailure::expired;
      return reply_error(cmd.id, expired ? errors::token_expired() : errors::permission_denied());
    }
    if (claims->channel != cmd.channel || (!claims->subject.empty() && claims->subject != user_)) {
      spdlog::info("realtime: client {} user {} sent a subscription token for channel \"{}\" user \"{}\"", id_,
                   user_, claims->channel, claims->subject);
      return disconnect(disconnects::invalid_token());
    }
    auto changes = parse_subscribe_override(claims->override_json);
    if (!changes) {
      spdlog::info("realtime: client {} user {} sent a subscription token for \"{}\" with an invalid override: {}",
                   id_, user_, cmd.channel, changes.error());
      return reply_error(cmd.id, errors::permission_denied());
    }
    params.changes = *changes;
    params.chan_info = claims->info_json;
    params.data = claims->data_json;
    params.expires_at_s = claims->session_expiry();
    if (params.expires_at_s && *params.expires_at_s <= engine_.now_ms() / 1000) {
      return reply_error(cmd.id, errors::expired());
    }
    token_grants = true;
  }

  // Membership and identity are checked whatever the tokens contain. Tokens
  // only open namespaces with the `token` rule.
  bool allowed = ns->subscribe == SubscribeRule::token ? token_grants || matches_token_pattern(cmd.channel)
                                                        : may_read(cmd.channel, name, *ns);
  if (!allowed) {
    spdlog::debug("realtime: client {} user {} denied subscribe to {}", id_, user_, cmd.channel);
    return reply_error(cmd.id, errors::permission_denied());
  }

  params.want_recoverable = cmd.recoverable;
  params.want_positioned = cmd.positioned;
  params.join_leave = cmd.join_leave;
  params.recover = cmd.recover;
  params.since = {cmd.offset, cmd.epoch};

  // Live publications wait until the reply is queued (see Transport::hold).
  transport_->hold();
  auto body = join_channel(cmd.channel, *ns, params);
  if (body) {
    reply(cmd.id, "subscribe", *body);
  } else {
    reply_error(cmd.id, body.error());
  }
  transport_->release();
}

void Client::on_unsubscribe(const Command& cmd) {
  if (cmd.channel.empty()) {
    return reply_error(cmd.id, errors::bad_request());
  }
  if (subs_.erase(cmd.channel) > 0) {
    engine_.detach(cmd.channel, this, id_);
  }
  reply(cmd.id, "unsubscribe", "{}");
}

void Client::on_publish(const Command& cmd) {
  ChannelName name;
  const NamespaceOptions* ns = resolve(cmd.id, cmd.channel, name);
  if (ns == nullptr) {
    return;
  }
  if (cmd.data.empty()) {
    return reply_error(cmd.id, errors::bad_request());
  }
  bool allowed = ns->allow_publish;
  if (allowed && ns->subscribe != SubscribeRule::token) {
    AccessRequest access{user_, cmd.channel, name, ns, ChannelAction::publish};
    allowed = engine_.authorizer().allowed(access);
  } else if (allowed) {
    allowed = subs_.contains(cmd.channel);
  }
  if (!allowed) {
    return reply_error(cmd.id, errors::permission_denied());
  }

  PublishOptions options;
  ClientInfo info{user_, id_, info_, {}};
  if (auto it = subs_.find(cmd.channel); it != subs_.end()) {
    info.chan_info = it->second.chan_info;
  }
  options.info = std::move(info);
  auto published = engine_.publish(cmd.channel, cmd.data, std::move(options));
  if (!published) {
    spdlog::error("realtime: publish by client {} to {} failed: {}", id_, cmd.channel, published.error().message);
    return reply_error(cmd.id, errors::internal());
  }
  reply(cmd.id, "publish", "{}");
}

bool Client::check_presence_access(const Command& cmd) {
  ChannelName name;
  const NamespaceOptions* ns = resolve(cmd.id, cmd.channel, name);
  if (ns == nullptr) {
    return false;
  }
  if (!ns->presence) {
    reply_error(cmd.id, errors::not_available());
    return false;
  }
  if (!may_read(cmd.channel, name, *ns)) {
    reply_error(cmd.id, errors::permission_denied());
    return false;
  }
  return true;
}

void Client::on_presence(const Command& cmd) {
  if (!check_presence_access(cmd)) {
    return;
  }
  ObjectWriter entries;
  for (const ClientInfo& info : engine_.presence(cmd.channel)) {
    entries.raw_always(info.client, encode_client_info(info));
  }
  reply(cmd.id, "presence", ObjectWriter().raw_always("presence", entries.finish()).finish());
}

void Client::on_presence_stats(const Command& cmd) {
  if (!check_presence_access(cmd)) {
    return;
  }
  PresenceStats stats = engine_.presence_stats(cmd.channel);
  reply(cmd.id, "presence_stats",
        ObjectWriter().number("num_clients", stats.num_clients).number("num_users", stats.num_users).finish());
}

void Client::on_history(const Command& cmd) {
  ChannelName name;
  const NamespaceOptions* ns = resolve(cmd.id, cmd.channel, name);
  if (ns == nullptr) {
    return;
  }
  if (!ns->history_enabled()) {
    return reply_error(cmd.id, errors::not_available());
  }
  if (!may_read(cmd.channel, name, *ns)) {
    return reply_error(cmd.id, errors::permission_denied());
  }

  // limit: absent or 0 → only the top position, -1 → up to the cap.
  std::size_t cap = engine_.options().history_max_limit;
  std::int64_t limit = cmd.limit.value_or(0);
  if (limit < -1 || (cmd.reverse && cmd.since && cmd.since->offset == 0)) {
    return reply_error(cmd.id, errors::bad_request());
  }
  HistoryQuery query;
  query.since = cmd.since;
  query.reverse = cmd.reverse;
  query.limit = limit == -1 ? cap : std::min<std::size_t>(static_cast<std::size_t>(limit), cap);

  auto read = engine_.history(cmd.channel, *ns, query);
  if (!read) {
    spdlog::error("realtime: history of {} for client {} failed: {}", cmd.channel, id_, read.error().message);
    return reply_error(cmd.id, errors::internal());
  }
  if (cmd.since && !cmd.since->epoch.empty() && cmd.since->epoch != read->top.epoch) {
    return reply_error(cmd.id, errors::unrecoverable_position());
  }
  ObjectWriter w;
  if (!read->publications.empty()) {
    w.raw_always("publications", encode_publications(read->publications));
  }
  w.string("epoch", read->top.epoch).number("offset", read->top.offset);
  reply(cmd.id, "history", w.finish());
}

void Client::on_rpc(const Command& cmd) {
  RpcHandler handler = engine_.rpc().find(cmd.rpc_method);
  if (!handler) {
    return reply_error(cmd.id, errors::method_not_found());
  }

  // The completion may come from any thread: hop back to this connection's
  // strand, and only once.
  auto transport = strand_.lock();
  if (!transport) {
    return;
  }
  std::weak_ptr<Client> weak = weak_from_this();
  auto done_flag = std::make_shared<std::atomic<bool>>(false);
  std::uint32_t id = cmd.id;
  RpcDone done = [transport, weak, done_flag, id](RpcResult result) {
    if (done_flag->exchange(true)) {
      return;
    }
    transport->post([weak, id, result = std::move(result)] {
      auto self = weak.lock();
      if (!self || self->state_ != State::connected) {
        return;
      }
      if (result) {
        self->reply(id, "rpc", ObjectWriter().raw("data", *result).finish());
      } else {
        self->reply_error(id, result.error());
      }
    });
  };
  handler(RpcCall{user_, id_, cmd.data}, std::move(done));
}

void Client::on_refresh(const Command& cmd) {
  const EngineOptions& o = engine_.options();
  if (cmd.token.empty()) {
    return disconnect(disconnects::bad_request());
  }
  auth::VerifyOptions verify{o.jwt_secret, engine_.now_ms() / 1000, o.clock_skew_s, true};
  auto claims = auth::verify_token(cmd.token, verify);
  if (!claims) {
    // An expired token closes with 3005: the SDK reconnects, gets 109 and
    // then requests a new token from the application.
    bool expired = claims.error().failure == auth::TokenFailure::expired;
    spdlog::info("realtime: refresh of client {} rejected: {}", id_, claims.error().message);
    return disconnect(expired ? disconnects::connection_expired() : disconnects::invalid_token());
  }
  if (claims->subject != user_) {
    spdlog::info("realtime: refresh of client {} user {} carried a token of user {}", id_, user_, claims->subject);
    return disconnect(disconnects::invalid_token());
  }
  std::optional<std::int64_t> expires_at = claims->session_expiry();
  if (expires_at && *expires_at <= engine_.now_ms() / 1000) {
    return reply_error(cmd.id, errors::expired());
  }
  set_connection_expiry(expires_at);
  ObjectWriter w;
  w.string("client", id_).string("version", o.server_version);
  if (expires_at) {
    std::int64_t ttl = std::max<std::int64_t>(1, *expires_at - engine_.now_ms() / 1000);
    w.boolean("expires", true).number("ttl", static_cast<std::uint64_t>(ttl));
  }
  reply(cmd.id, "refresh", w.finish());
}

void Client::on_sub_refresh(const Command& cmd) {
  const EngineOptions& o = engine_.options();
  if (cmd.channel.empty() || cmd.token.empty()) {
    return disconnect(disconnects::bad_request());
  }
  auto it = subs_.find(cmd.channel);
  if (it == subs_.end()) {
    return reply_error(cmd.id, errors::permission_denied());
  }
  auth::VerifyOptions verify{o.jwt_secret, engine_.now_ms() / 1000, o.clock_skew_s, false};
  auto claims = auth::verify_token(cmd.token, verify);
  if (!claims) {
    if (claims.error().failure == auth::TokenFailure::expired) {
      return disconnect(disconnects::subscription_expired());
    }
    return reply_error(cmd.id, errors::permission_denied());
  }
  if (claims->channel != cmd.channel || (!claims->subject.empty() && claims->subject != user_)) {
    return disconnect(disconnects::invalid_token());
  }
  std::optional<std::int64_t> expires_at = claims->session_expiry();
  if (expires_at && *expires_at <= engine_.now_ms() / 1000) {
    return reply_error(cmd.id, errors::expired());
  }
  it->second.close_at_ms.reset();
  ObjectWriter w;
  if (expires_at) {
    it->second.close_at_ms = (*expires_at + o.expired_close_delay_s) * 1000;
    std::int64_t ttl = std::max<std::int64_t>(1, *expires_at - engine_.now_ms() / 1000);
    w.boolean("expires", true).number("ttl", static_cast<std::uint64_t>(ttl));
  }
  reply(cmd.id, "sub_refresh", w.finish());
}

void Client::on_send(const Command& cmd) {
  const auto& handler = engine_.message_handler();
  if (!handler) {
    return disconnect(disconnects::not_available());
  }
  handler(RpcCall{user_, id_, cmd.data});
}

}  // namespace tandem::realtime
