#include "realtime/engine.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/ids.h"
#include "realtime/client.h"

namespace tandem::realtime {

Engine::Engine(EngineOptions options, std::shared_ptr<ChannelAuthorizer> authorizer, Clock clock)
    : options_(std::move(options)),
      authorizer_(std::move(authorizer)),
      clock_(clock ? std::move(clock) : Clock([] { return now_unix_ms(); })),
      started_ms_(clock_()),
      default_history_(std::make_shared<MemoryHistory>()) {}

Engine::~Engine() = default;

void Engine::set_history_source(const std::string& ns, std::shared_ptr<HistorySource> source) {
  history_by_ns_[ns] = std::move(source);
}

const NamespaceOptions* Engine::find_namespace(std::string_view ns) const {
  auto it = options_.namespaces.find(ns);
  return it == options_.namespaces.end() ? nullptr : &it->second;
}

HistorySource& Engine::history_source(std::string_view ns) {
  auto it = history_by_ns_.find(ns);
  return it == history_by_ns_.end() ? *default_history_ : *it->second;
}

Engine::Shard& Engine::shard_of(std::string_view channel) {
  return shards_[std::hash<std::string_view>{}(channel) % kShards];
}

std::pair<std::shared_ptr<Engine::Channel>, std::unique_lock<std::mutex>> Engine::lock_channel(
    std::string_view channel, bool create) {
  Shard& shard = shard_of(channel);
  while (true) {
    std::shared_ptr<Channel> ch;
    {
      std::lock_guard shard_lock(shard.mutex);
      auto it = shard.channels.find(std::string(channel));
      if (it != shard.channels.end()) {
        ch = it->second;
      } else if (create) {
        ch = std::make_shared<Channel>();
        shard.channels.emplace(std::string(channel), ch);
      } else {
        return {std::shared_ptr<Channel>(), std::unique_lock<std::mutex>()};
      }
    }
    std::unique_lock lock(ch->mutex);
    if (!ch->removed) {
      return {std::move(ch), std::move(lock)};
    }
  }
}

// Unlinks a channel with no subscribers and no presence. Lock order is shard,
// then channel, as in lock_channel's lookup.
void Engine::drop_if_empty(std::string_view channel) {
  Shard& shard = shard_of(channel);
  std::lock_guard shard_lock(shard.mutex);
  auto it = shard.channels.find(std::string(channel));
  if (it == shard.channels.end()) {
    return;
  }
  std::lock_guard lock(it->second->mutex);
  if (it->second->subscribers.empty() && it->second->presence.empty()) {
    it->second->removed = true;
    shard.channels.erase(it);
  }
}

Result<StreamPosition> Engine::publish(std::string_view channel, std::string data, PublishOptions options) {
  if (!options.idempotency_key.empty()) {
    return publish_once(channel, std::move(data), std::move(options));
  }
  auto name = parse_channel(channel);
  if (!name) {
    return fail(ErrorCode::invalid_request,
                fmt::format("invalid channel name \"{}\": use 1-255 printable ASCII characters", channel));
  }
  const NamespaceOptions* ns = find_namespace(name->ns);
  if (ns == nullptr) {
    return fail(ErrorCode::not_found, fmt::format("unknown namespace \"{}\" in channel \"{}\"", name->ns, channel));
  }
  if (data.empty() || !is_valid_json(data)) {
    return fail(ErrorCode::invalid_request, "publication data must be valid JSON");
  }

  Publication pub;
  pub.data = std::move(data);
  pub.info = std::move(options.info);
  pub.tags = std::move(options.tags);
  pub.time_unix_ms = now_ms();
  pub.offset = options.offset.value_or(0);

  // The channel lock orders the history append and the fan-out together, so
  // subscribers see offsets in increasing order.
  // With history, the channel object is created even without subscribers, so
  // that a concurrent subscribe reads the position under the same lock.
  bool keep_history = ns->history_enabled() && !options.skip_history;
  auto [ch, lock] = lock_channel(channel, keep_history);
  StreamPosition position;
  if (keep_history) {
    auto appended = history_source(name->ns).append(channel, pub, *ns);
    if (!appended) {
      return std::unexpected(appended.error());
    }
    position = std::move(*appended);
  }
  if (!ch) {
    return position;
  }
  if (ch->subscribers.empty()) {
    lock.unlock();
    drop_if_empty(channel);
    return position;
  }
  auto message = std::make_shared<const std::string>(encode_push(channel, "pub", encode_publication(pub)));
  std::vector<std::weak_ptr<Client>> stale;
  if (keep_history) {
    if (position.epoch != ch->epoch) {
      compare_positions(*ch, position, stale);  // another epoch: every positioned subscriber is behind
    }
    ch->position_checked_ms = pub.time_unix_ms;
  }
  for (Subscriber& sub : ch->subscribers) {
    if (keep_history && sub.positioned && !advance(sub, position.offset, stale)) {
      continue;
    }
    sub.transport->deliver(message);
  }
  if (!stale.empty()) {
    lock.unlock();
    report_stale(channel, stale);
  }
  return position;
}

bool Engine::advance(Subscriber& sub, std::uint64_t offset, std::vector<std::weak_ptr<Client>>& stale) {
  if (sub.stale || offset <= sub.offset) {
    return false;  // stale, or it subscribed after this publication was stored
  }
  if (offset != sub.offset + 1) {
    mark_stale(sub, stale);
    return false;
  }
  sub.offset = offset;
  return true;
}

void Engine::mark_stale(Subscriber& sub, std::vector<std::weak_ptr<Client>>& stale) {
  sub.stale = true;
  // The subscriber is still attached, so its Client is alive under the lock.
  stale.push_back(sub.client->weak_from_this());
}

void Engine::compare_positions(Channel& ch, const StreamPosition& top, std::vector<std::weak_ptr<Client>>& stale) {
  for (Subscriber& sub : ch.subscribers) {
    if (sub.positioned && !sub.stale && (ch.epoch != top.epoch || sub.offset != top.offset)) {
      mark_stale(sub, stale);
    }
  }
  ch.epoch = top.epoch;
}

void Engine::report_stale(std::string_view channel, const std::vector<std::weak_ptr<Client>>& stale) {
  spdlog::info("realtime: {} subscriber(s) of {} missed publications; they get insufficient state", stale.size(),
               channel);
  for (const auto& weak : stale) {
    if (auto client = weak.lock()) {
      client->post([name = std::string(channel)](Client& c) { c.on_insufficient_state(name); });
    }
  }
}

void Engine::check_position(std::string_view channel) {
  std::vector<std::weak_ptr<Client>> stale;
  {
    auto [ch, lock] = lock_channel(channel, false);
    std::int64_t now = now_ms();
    std::int64_t interval_ms = options_.position_check_interval_s * 1000;
    if (!ch || ch->epoch.empty() || interval_ms <= 0 || now - ch->position_checked_ms < interval_ms) {
      return;  // nothing positioned, or checked (or published to) recently
    }
    ch->position_checked_ms = now;
    auto name = parse_channel(channel);
    const NamespaceOptions* ns = name ? find_namespace(name->ns) : nullptr;
    if (ns == nullptr) {
      return;
    }
    HistoryQuery query;
    query.now_unix_ms = now;
    auto read = history_source(name->ns).read(channel, query, *ns);
    if (!read) {
      return;  // a storage failure: check again next time
    }
    compare_positions(*ch, read->top, stale);
  }
  report_stale(channel, stale);
}

bool Engine::position_stale(std::string_view channel, const Client* client) {
  auto [ch, lock] = lock_channel(channel, false);
  if (!ch) {
    return false;
  }
  auto it = std::find_if(ch->subscribers.begin(), ch->subscribers.end(),
                         [&](const Subscriber& s) { return s.client == client; });
  return it != ch->subscribers.end() && it->stale;
}

void Engine::deliver_presence_event(Channel& ch, std::string_view channel, std::string_view kind,
                                    const ClientInfo& info) {
  std::string body = "{\"info\":" + encode_client_info(info) + "}";
  auto message = std::make_shared<const std::string>(encode_push(channel, kind, body));
  for (const Subscriber& sub : ch.subscribers) {
    if (sub.join_leave) {
      sub.transport->deliver(message);
    }
  }
}

namespace {

// Applies Centrifugo's stream recovery rule to a history read since the
// client's position.
void recover_from(const HistoryResult& read, const StreamPosition& since, AttachResult& result) {
  bool same_epoch = since.epoch.empty() || since.epoch == read.top.epoch;
  if (!same_epoch) {
    return;
  }
  const auto& pubs = read.publications;
  if (pubs.empty()) {
    result.recovered = read.top.offset == since.offset;
    return;
  }
  result.recovered = pubs.front().offset == since.offset + 1 && pubs.back().offset == read.top.offset;
  if (result.recovered) {
    result.publications = pubs;
  }
}

}  // namespace

Result<AttachResult> Engine::attach(std::string_view channel, const NamespaceOptions& ns, AttachRequest request) {
  auto name = parse_channel(channel);
  auto [ch, lock] = lock_channel(channel, true);

  AttachResult result;
  if ((request.positioned || request.recover_since) && ns.history_enabled()) {
    HistoryQuery query;
    query.now_unix_ms = now_ms();
    if (request.recover_since) {
      query.since = StreamPosition{request.recover_since->offset, {}};
      query.limit = options_.history_max_limit;
    }
    auto read = history_source(name ? name->ns : std::string_view{}).read(channel, query, ns);
    if (!read) {
      lock.unlock();
      drop_if_empty(channel);
      return std::unexpected(read.error());
    }
    result.top = read->top;
    if (request.recover_since) {
      recover_from(*read, *request.recover_since, result);
    }
  }

  // A positioned subscriber starts at the top: recovered publications or
  // the reply's position bring the client there.
  std::vector<std::weak_ptr<Client>> stale;
  if (request.positioned && ch->epoch != result.top.epoch) {
    if (!ch->epoch.empty()) {
      compare_positions(*ch, result.top, stale);
    }
    ch->epoch = result.top.epoch;
  }
  ch->subscribers.push_back({.client = request.client,
                             .transport = request.transport,
                             .join_leave = request.join_leave,
                             .positioned = request.positioned,
                             .offset = result.top.offset});
  if (request.presence) {
    ch->presence[request.presence->client] = *request.presence;
    ++ch->users[request.presence->user];
    if (request.emit_join_leave) {
      ch->silent.erase(request.presence->client);
      deliver_presence_event(*ch, channel, "join", *request.presence);
    } else {
      ch->silent.insert(request.presence->client);
    }
  }
  lock.unlock();

  if (!stale.empty()) {
    report_stale(channel, stale);
  }
  if (request.presence && presence_listener_) {
    presence_listener_(channel, *request.presence, true);
  }
  return result;
}

void Engine::detach(std::string_view channel, const Client* client, std::string_view client_id) {
  std::optional<ClientInfo> left;
  {
    auto [ch, lock] = lock_channel(channel, false);
    if (!ch) {
      return;
    }
    auto& subs = ch->subscribers;
    auto it = std::find_if(subs.begin(), subs.end(), [&](const Subscriber& s) { return s.client == client; });
    if (it != subs.end()) {
      *it = std::move(subs.back());
      subs.pop_back();
    }

    auto p = ch->presence.find(std::string(client_id));
    if (p != ch->presence.end()) {
      ClientInfo info = std::move(p->second);
      ch->presence.erase(p);
      auto u = ch->users.find(info.user);
      if (u != ch->users.end() && --u->second == 0) {
        ch->users.erase(u);
      }
      if (ch->silent.erase(info.client) == 0) {
        deliver_presence_event(*ch, channel, "leave", info);
      }
      left = std::move(info);
    }
  }
  drop_if_empty(channel);
  if (left && presence_listener_) {
    presence_listener_(channel, *left, false);
  }
}

Result<HistoryResult> Engine::history(std::string_view channel, const NamespaceOptions& ns, HistoryQuery query) {
  auto name = parse_channel(channel);
  query.now_unix_ms = now_ms();
  // The channel lock keeps the read consistent with concurrent appends.
  auto [ch, lock] = lock_channel(channel, false);
  return history_source(name ? name->ns : std::string_view{}).read(channel, query, ns);
}

Status Engine::remove_history(std::string_view channel, const NamespaceOptions& ns) {
  (void)ns;
  auto name = parse_channel(channel);
  auto [ch, lock] = lock_channel(channel, false);
  return history_source(name ? name->ns : std::string_view{}).remove(channel);
}

std::vector<ClientInfo> Engine::presence(std::string_view channel) {
  std::vector<ClientInfo> out;
  auto [ch, lock] = lock_channel(channel, false);
  if (ch) {
    for (const auto& [id, info] : ch->presence) {
      out.push_back(info);
    }
  }
  return out;
}

void Engine::update_presence(std::string_view channel, const ClientInfo& info) {
  auto [ch, lock] = lock_channel(channel, false);
  if (!ch) {
    return;
  }
  if (auto it = ch->presence.find(info.client); it != ch->presence.end()) {
    it->second = info;
  }
}

PresenceStats Engine::presence_stats(std::string_view channel) {
  auto [ch, lock] = lock_channel(channel, false);
  if (!ch) {
    return {};
  }
  return {ch->presence.size(), ch->users.size()};
}

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matcher with backtracking to the last '*'.
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

std::map<std::string, std::size_t> Engine::channels(std::string_view pattern) {
  std::map<std::string, std::size_t> out;
  for (Shard& shard : shards_) {
    std::lock_guard shard_lock(shard.mutex);
    for (const auto& [name, ch] : shard.channels) {
      if (!pattern.empty() && !glob_match(pattern, name)) {
        continue;
      }
      std::lock_guard lock(ch->mutex);
      if (!ch->subscribers.empty()) {
        out[name] = ch->subscribers.size();
      }
    }
  }
  return out;
}

EngineStats Engine::stats() {
  EngineStats s;
  for (Shard& shard : shards_) {
    std::lock_guard shard_lock(shard.mutex);
    for (const auto& [name, ch] : shard.channels) {
      std::lock_guard lock(ch->mutex);
      if (!ch->subscribers.empty()) {
        ++s.num_channels;
        s.num_subs += ch->subscribers.size();
      }
    }
  }
  {
    std::lock_guard lock(clients_mutex_);
    s.num_clients = clients_.size();
    s.num_users = user_clients_.size();
  }
  s.slow_disconnects = slow_disconnects_.load(std::memory_order_relaxed);
  s.uptime_s = (now_ms() - started_ms_) / 1000;
  return s;
}

void Engine::register_client(const std::string& client_id, const std::string& user,
                             const std::shared_ptr<Client>& client) {
  std::lock_guard lock(clients_mutex_);
  clients_[client_id] = client;
  user_clients_[user].push_back(client_id);
}

void Engine::unregister_client(const std::string& client_id, const std::string& user) {
  std::lock_guard lock(clients_mutex_);
  clients_.erase(client_id);
  auto it = user_clients_.find(user);
  if (it == user_clients_.end()) {
    return;
  }
  std::erase(it->second, client_id);
  if (it->second.empty()) {
    user_clients_.erase(it);
  }
}

std::vector<std::shared_ptr<Client>> Engine::find_clients(std::string_view user, std::string_view client_id) {
  std::vector<std::shared_ptr<Client>> out;
  std::lock_guard lock(clients_mutex_);
  auto it = user_clients_.find(std::string(user));
  if (it == user_clients_.end()) {
    return out;
  }
  for (const std::string& id : it->second) {
    if (!client_id.empty() && id != client_id) {
      continue;
    }
    if (auto c = clients_[id].lock()) {
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace tandem::realtime

namespace tandem::realtime {

std::size_t Engine::send_message(std::string_view user, std::string_view client_id, const std::string& data) {
  std::string body = ObjectWriter().raw("data", data).finish();
  auto message = std::make_shared<const std::string>(encode_push("", "message", body));
  auto clients = find_clients(user, client_id);
  for (const auto& c : clients) {
    c->post([message](Client& client) { client.server_message(message); });
  }
  return clients.size();
}

void Engine::shutdown() {
  disconnect_all(disconnects::shutdown());
  for (Shard& shard : shards_) {
    std::unordered_map<std::string, std::shared_ptr<Channel>> dropped;
    {
      std::lock_guard shard_lock(shard.mutex);
      dropped.swap(shard.channels);
    }
    for (auto& [name, ch] : dropped) {
      std::lock_guard lock(ch->mutex);
      ch->removed = true;
      ch->subscribers.clear();
    }
  }
}

void Engine::disconnect_all(Disconnect reason) {
  std::vector<std::shared_ptr<Client>> clients;
  {
    std::lock_guard lock(clients_mutex_);
    for (const auto& [id, weak] : clients_) {
      if (auto c = weak.lock()) clients.push_back(std::move(c));
    }
  }
  for (const auto& c : clients) {
    c->post([reason](Client& client) { client.disconnect(reason); });
  }
}

}  // namespace tandem::realtime

namespace tandem::realtime {

Result<StreamPosition> Engine::publish_once(std::string_view channel, std::string data, PublishOptions options) {
  std::string key = std::move(options.idempotency_key);
  options.idempotency_key.clear();
  std::lock_guard lock(idempotency_mutex_);
  if (auto earlier = idempotent_results_.find(channel, key, now_ms())) {
    return *earlier;
  }
  auto published = publish(channel, std::move(data), std::move(options));
  if (published) {
    idempotent_results_.store(channel, key, *published, now_ms());
  }
  return published;
}

}  // namespace tandem::realtime
