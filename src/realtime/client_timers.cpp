// Client timers (stale, ping/pong, token expiry) and server API actions.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "realtime/client.h"

namespace tandem::realtime {

std::optional<std::int64_t> Client::next_deadline() const {
  if (state_ == State::closed) {
    return std::nullopt;
  }
  if (state_ == State::connecting) {
    return stale_at_ms_;
  }
  std::optional<std::int64_t> next;
  auto consider = [&next](std::optional<std::int64_t> t) {
    if (t && (!next || *t < *next)) {
      next = t;
    }
  };
  consider(next_ping_ms_);
  consider(pong_deadline_ms_);
  consider(expire_close_at_ms_);
  bool any_positioned = false;
  for (const auto& [channel, sub] : subs_) {
    consider(sub.close_at_ms);
    any_positioned = any_positioned || sub.positioned;
  }
  if (any_positioned) {
    consider(next_position_check_ms_);
  }
  return next;
}

void Client::on_timer() {
  std::int64_t now = engine_.now_ms();
  if (state_ == State::connecting) {
    if (now >= stale_at_ms_) {
      disconnect(disconnects::stale());
    }
    return;
  }
  if (state_ != State::connected) {
    return;
  }
  if (pong_deadline_ms_ && now >= *pong_deadline_ms_) {
    return disconnect(disconnects::no_pong());
  }
  if (expire_close_at_ms_ && now >= *expire_close_at_ms_) {
    return disconnect(disconnects::connection_expired());
  }
  expire_subscriptions(now);
  if (state_ != State::connected) {
    return;
  }
  check_positions(now);
  if (state_ != State::connected) {
    return;
  }
  if (next_ping_ms_ && now >= *next_ping_ms_) {
    send(std::string(kPingMessage));
    const EngineOptions& o = engine_.options();
    if (o.pong_timeout_s > 0) {
      pong_deadline_ms_ = now + o.pong_timeout_s * 1000;
    }
    next_ping_ms_ = now + o.ping_interval_s * 1000;
  }
}

// A subscription whose token expired and was not refreshed within the grace
// period ends: client-side ones get unsubscribe 2501 (the SDK resubscribes
// with a new token), a server-side one closes the connection with 3006.
void Client::expire_subscriptions(std::int64_t now) {
  std::vector<std::string> expired;
  for (const auto& [channel, sub] : subs_) {
    if (sub.close_at_ms && now >= *sub.close_at_ms) {
      if (sub.server_side) {
        return disconnect(disconnects::subscription_expired());
      }
      expired.push_back(channel);
    }
  }
  for (const std::string& channel : expired) {
    subs_.erase(channel);
    engine_.detach(channel, this, id_);
    std::string body = ObjectWriter().number("code", kUnsubscribeExpired).string("reason", "subscription expired").finish();
    send(encode_push(channel, "unsubscribe", body));
  }
}

void Client::check_positions(std::int64_t now) {
  std::int64_t interval_ms = engine_.options().position_check_interval_s * 1000;
  if (interval_ms <= 0) {
    return;
  }
  if (!next_position_check_ms_) {
    next_position_check_ms_ = now + interval_ms;
    return;
  }
  if (now < *next_position_check_ms_) {
    return;
  }
  next_position_check_ms_ = now + interval_ms;
  // Collected first: a failed check may end subscriptions re-entrantly.
  std::vector<std::string> channels;
  for (const auto& [channel, sub] : subs_) {
    if (sub.positioned) {
      channels.push_back(channel);
    }
  }
  for (const std::string& channel : channels) {
    engine_.check_position(channel);
  }
}

void Client::on_insufficient_state(const std::string& channel) {
  auto it = subs_.find(channel);
  if (state_ != State::connected || it == subs_.end() || !engine_.position_stale(channel, this)) {
    return;  // gone, or already a new subscription
  }
  spdlog::debug("realtime: client {} user {} missed publications in {}", id_, user_, channel);
  if (it->second.server_side) {
    return disconnect(disconnects::insufficient_state());
  }
  subs_.erase(it);
  engine_.detach(channel, this, id_);
  std::string body =
      ObjectWriter().number("code", kUnsubscribeInsufficientState).string("reason", "insufficient state").finish();
  send(encode_push(channel, "unsubscribe", body));
}

void Client::server_subscribe(const std::string& channel, const ServerSubscription& options) {
  if (state_ != State::connected || subs_.contains(channel)) {
    return;
  }
  auto name = parse_channel(channel);
  const NamespaceOptions* ns = name ? engine_.find_namespace(name->ns) : nullptr;
  if (ns == nullptr) {
    return;
  }
  JoinParams params;
  params.server_side = true;
  params.join_leave = true;
  if (options.recover_since) {
    params.recover = true;
    params.since = *options.recover_since;
  }
  params.chan_info = options.chan_info;
  params.data = options.data;
  params.expires_at_s = options.expires_at_s;
  params.changes = options.changes;
  transport_->hold();
  auto body = join_channel(channel, *ns, params);
  if (body) {
    send(encode_push(channel, "subscribe", *body));
  }
  transport_->release();
}

void Client::server_unsubscribe(const std::string& channel) {
  if (state_ != State::connected || subs_.erase(channel) == 0) {
    return;
  }
  engine_.detach(channel, this, id_);
  std::string body = ObjectWriter().number("code", kUnsubscribeServer).string("reason", "server unsubscribe").finish();
  send(encode_push(channel, "unsubscribe", body));
}

void Client::server_message(const SharedMessage& message) {
  if (state_ == State::connected && transport_ != nullptr) {
    transport_->send(message);
  }
}

void Client::server_refresh(bool expired, std::optional<std::int64_t> expire_at_s, const std::string& info) {
  if (state_ != State::connected) {
    return;
  }
  // As in Centrifugo, an expire_at already past closes the connection now.
  if (expired || (expire_at_s && *expire_at_s <= engine_.now_ms() / 1000)) {
    return disconnect(disconnects::connection_expired());
  }
  set_connection_expiry(expire_at_s);
  if (!info.empty()) {
    info_ = info;
    for (const auto& [channel, sub] : subs_) {
      engine_.update_presence(channel, ClientInfo{user_, id_, info_, sub.chan_info});
    }
  }
}

}  // namespace tandem::realtime
