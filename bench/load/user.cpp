#include "user.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <iostream>

#include <boost/asio/connect.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include "clock.h"
#include "http_worker.h"
#include "ot/json0.h"
#include "ot/utf16.h"

namespace tandem::load {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace json = boost::json;

namespace {

constexpr std::size_t kSentKept = 256;            // send times kept per client id
constexpr std::int64_t kHistoryPage = 300;        // the server's default history_max_limit
constexpr std::int64_t kMaxBackoffMs = 3000;
constexpr std::int64_t kTemporaryRetryMs = 300;

std::int64_t int_of(const json::object& o, std::string_view key, std::int64_t fallback = -1) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return fallback;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->as_double());
  return fallback;
}

std::string string_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

const json::object* object_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? &v->as_object() : nullptr;
}

std::string text_of(const json::value& content) {
  const json::value* text = content.is_object() ? content.as_object().if_contains("text") : nullptr;
  return text != nullptr && text->is_string() ? std::string(text->as_string()) : std::string();
}

// Returns `caret` (UTF-16) moved past the mention token it falls inside,
// if any. A token is "<@", 1 to 128 of A-Z a-z 0-9 _ . @ + -, and ">", the
// notification pipeline's definition. Text inserted inside a token breaks
// it, so a mention typed there would not grow the target's token count.
std::int64_t caret_outside_token(const std::string& text, std::int64_t caret) {
  auto at = ot::utf16_to_byte(text, caret);
  if (!at) return caret;
  auto allowed = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '@' || c == '+' || c == '-';
  };
  for (std::size_t start = text.find("<@"); start != std::string::npos; start = text.find("<@", start + 1)) {
    if (start >= *at) break;
    std::size_t end = start + 2;
    while (end < text.size() && end - start - 2 < 128 && allowed(text[end])) ++end;
    if (end == start + 2 || end >= text.size() || text[end] != '>') continue;
    if (*at <= end) return ot::utf16_length(std::string_view(text).substr(0, end + 1));
  }
  return caret;
}

ot::Op parse_or_empty(const json::value& value) {
  auto op = ot::parse_op(value);
  return op ? std::move(*op) : ot::Op{};
}

}  // namespace

User::User(World& world, int index, int doc, bool hot)
    : world_(world), index_(index), user_id_(World::user_id(index)), home_doc_(doc), hot_(hot),
      random_(world.o.seed * 1'000'003ULL + static_cast<std::uint64_t>(index)), reconnect_timer_(world.io),
      key_timer_(world.io), search_timer_(world.io), mention_timer_(world.io), assign_timer_(world.io),
      switch_timer_(world.io) {
  replica_.doc = doc;
  replica_.client_id = user_id_ + "-d" + std::to_string(doc);
}

void User::start(std::function<void()> on_first_ready) {
  on_first_ready_ = std::move(on_first_ready);
  connect();
}

bool User::idle() const {
  return online_ && replica_.loaded && !replica_.catching_up && !replica_.inflight && !replica_.pending;
}

void User::close() {
  closed_ = true;
  for (auto* timer : {&reconnect_timer_, &key_timer_, &search_timer_, &mention_timer_, &assign_timer_, &switch_timer_}) {
    timer->cancel();
  }
  if (conn_) {
    beast::error_code ec;
    beast::get_lowest_layer(conn_->ws).socket().close(ec);
    conn_.reset();
  }
  online_ = false;
  replies_.clear();  // the handlers hold this user: clearing them breaks the cycle
}

// ---- Connection -----------------------------------------------------------

void User::connect() {
  if (closed_) return;
  auto conn = std::make_shared<Connection>(world_.io);
  conn_ = conn;
  beast::get_lowest_layer(conn->ws).expires_after(std::chrono::seconds(10));
  beast::get_lowest_layer(conn->ws).async_connect(world_.endpoint, [self = shared_from_this(), conn](beast::error_code ec) {
    if (conn != self->conn_) return;
    if (ec) return self->on_disconnect("connect");
    beast::get_lowest_layer(conn->ws).expires_never();
    beast::get_lowest_layer(conn->ws).socket().set_option(asio::ip::tcp::no_delay(true), ec);
    conn->ws.async_handshake(self->world_.o.host, "/connection/websocket", [self, conn](beast::error_code ec2) {
      if (conn != self->conn_) return;
      if (ec2) return self->on_disconnect("handshake");
      self->read(conn);
      std::vector<std::pair<std::string, json::object>> commands;
      std::vector<Handler> handlers;
      commands.push_back({"connect", json::object{{"token", self->world_.tokens[self->index_]}}});
      handlers.push_back([self](const json::object& reply) {
        if (reply.contains("error")) {
          self->world_.metrics.error("connect_refused");
          return self->on_disconnect("connect refused");
        }
        self->online_ = true;
        self->attempts_ = 0;
      });
      commands.push_back({"subscribe", self->doc_subscribe_params()});
      handlers.push_back([self](const json::object& reply) { self->on_doc_subscribed(reply); });
      commands.push_back({"subscribe", json::object{{"channel", self->world_.cursor_channel(self->replica_.doc)}}});
      handlers.push_back([self](const json::object& reply) {
        if (reply.contains("error")) self->world_.metrics.error("cursor_subscribe_refused");
      });
      if (self->world_.o.notifications) {
        commands.push_back({"subscribe", json::object{{"channel", "user:" + self->user_id_}}});
        handlers.push_back([self](const json::object& reply) {
          if (reply.contains("error")) self->world_.metrics.error("user_channel_subscribe_refused");
        });
      }
      self->send_commands(commands, handlers);
    });
  });
}

void User::on_disconnect(const std::string& reason) {
  if (closed_) return;
  if (conn_) {
    beast::error_code ec;
    beast::get_lowest_layer(conn_->ws).socket().close(ec);
    conn_.reset();
  }
  world_.metrics.error("disconnect_" + reason);
  if (counted_) --world_.connected;
  counted_ = false;
  online_ = false;
  replies_.clear();
  replica_.inflight_sent = false;
  replica_.catching_up = false;
  replica_.buffered.clear();
  schedule_reconnect();
}

void User::schedule_reconnect() {
  std::int64_t base = std::min<std::int64_t>(kMaxBackoffMs, 100LL << std::min(attempts_, 5));
  ++attempts_;
  std::uniform_real_distribution<double> jitter(0.5, 1.5);
  reconnect_timer_.expires_after(std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(base) * jitter(random_))));
  reconnect_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->connect();
  });
}

void User::send_commands(const std::vector<std::pair<std::string, json::object>>& commands,
                         const std::vector<Handler>& handlers) {
  if (!conn_) return;
  std::string frame;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    std::uint32_t id = next_id_++;
    replies_[id] = handlers[i];
    if (!frame.empty()) frame.push_back('\n');
    frame += json::serialize(json::object{{"id", id}, {commands[i].first, commands[i].second}});
  }
  conn_->out.push_back(std::move(frame));
  if (conn_->out.size() == 1) write_next(conn_);
}

void User::send_command(const std::string& method, json::object params, Handler handler) {
  send_commands({{method, std::move(params)}}, {std::move(handler)});
}

void User::write_next(const std::shared_ptr<Connection>& conn) {
  conn->ws.async_write(asio::buffer(conn->out.front()), [self = shared_from_this(), conn](beast::error_code ec,
                                                                                          std::size_t) {
    if (conn != self->conn_) return;
    if (ec) return self->on_disconnect("write");
    conn->out.pop_front();
    if (!conn->out.empty()) self->write_next(conn);
  });
}

void User::read(const std::shared_ptr<Connection>& conn) {
  conn->ws.async_read(conn->buffer, [self = shared_from_this(), conn](beast::error_code ec, std::size_t) {
    if (conn != self->conn_) return;
    if (ec) return self->on_disconnect("closed");
    auto data = conn->buffer.cdata();
    std::string_view text(static_cast<const char*>(data.data()), data.size());
    std::size_t pos = 0;
    while (pos <= text.size() && conn == self->conn_) {
      std::size_t end = text.find('\n', pos);
      self->on_line(text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
      if (end == std::string_view::npos) break;
      pos = end + 1;
    }
    if (conn != self->conn_) return;
    conn->buffer.consume(conn->buffer.size());
    self->read(conn);
  });
}

void User::on_line(std::string_view line) {
  if (line.empty()) return;
  if (line == "{}") {  // server ping
    conn_->out.push_back("{}");
    if (conn_->out.size() == 1) write_next(conn_);
    return;
  }
  boost::system::error_code ec;
  json::value message = json::parse(line, ec);
  if (ec || !message.is_object()) {
    world_.metrics.error("unparsable_frame");
    return;
  }
  const json::object& o = message.as_object();
  if (const json::object* push = object_of(o, "push")) return on_push(*push);
  std::int64_t id = int_of(o, "id");
  auto it = replies_.find(static_cast<std::uint32_t>(id));
  if (it == replies_.end()) return;
  Handler handler = std::move(it->second);
  replies_.erase(it);
  handler(o);
}

void User::on_push(const json::object& push) {
  const json::object* pub = object_of(push, "pub");
  if (pub == nullptr) return;  // join, leave and other pushes
  const json::object* data = object_of(*pub, "data");
  if (data == nullptr) return;
  std::string channel = string_of(push, "channel");
  std::int64_t at = now_us();
  if (channel == world_.doc_channel(replica_.doc)) {
    if (string_of(*data, "type") == "op") on_op(*data);
    return;
  }
  if (channel == world_.cursor_channel(replica_.doc)) {
    if (string_of(*data, "user_id") != user_id_) {
      std::int64_t sent = int_of(*data, "sent_us");
      if (sent >= 0) world_.metrics.record(Kind::cursor, at, at - sent);
    }
    return;
  }
  if (channel == "user:" + user_id_) on_user_push(*data, at);
}

// ---- Document channel -----------------------------------------------------

json::object User::doc_subscribe_params() const {
  json::object params{{"channel", world_.doc_channel(replica_.doc)}};
  if (replica_.loaded) {
    params["recover"] = true;
    params["offset"] = replica_.version;
    params["epoch"] = replica_.epoch;
  }
  return params;
}

void User::on_doc_subscribed(const json::object& reply) {
  const json::object* sub = object_of(reply, "subscribe");
  if (sub == nullptr) {
    world_.metrics.error("doc_subscribe_refused");
    return on_disconnect("subscribe refused");
  }
  if (!counted_) {
    counted_ = true;
    ++world_.connected;
  }
  std::string epoch = string_of(*sub, "epoch");
  if (!replica_.loaded) {
    replica_.epoch = epoch;
    return fetch_snapshot();
  }
  if (epoch != replica_.epoch) return lose_replica("epoch_changed");
  const json::value* recovered = sub->if_contains("recovered");
  replica_.catching_up = true;
  world_.metrics.event("resubscribed_with_recovery");
  if (recovered != nullptr && recovered->is_bool() && recovered->as_bool()) {
    if (const json::value* pubs = sub->if_contains("publications"); pubs != nullptr && pubs->is_array()) {
      for (const json::value& p : pubs->as_array()) {
        if (const json::object* data = object_of(p.as_object(), "data")) apply_remote(*data);
        if (!replica_.loaded) return;
        world_.metrics.event("ops_recovered_on_subscribe");
      }
    }
    return finish_catch_up();
  }
  world_.metrics.event("recovery_refused_reading_history");
  read_history();
}

void User::fetch_snapshot() {
  replica_.loaded = false;
  replica_.catching_up = false;
  int doc = replica_.doc;
  json::object params{{"method", "doc.fetch"}, {"data", json::object{{"doc_id", world_.docs[doc]}}}};
  send_command("rpc", std::move(params), [self = shared_from_this(), doc](const json::object& reply) {
    if (self->replica_.doc != doc) return;
    const json::object* rpc = object_of(reply, "rpc");
    const json::object* document = rpc != nullptr ? object_of(*rpc, "data") : nullptr;
    if (document == nullptr) {
      self->world_.metrics.error("doc_fetch_failed");
      return self->on_disconnect("fetch failed");
    }
    self->replica_.content = document->at("content");
    self->replica_.version = int_of(*document, "version", 0);
    self->replica_.loaded = true;
    std::uniform_int_distribution<std::int64_t> at(0, ot::utf16_length(text_of(self->replica_.content)));
    self->replica_.caret = at(self->random_);
    self->replica_.catching_up = true;
    self->finish_catch_up();
    if (self->on_first_ready_) {
      auto ready = std::move(self->on_first_ready_);
      self->on_first_ready_ = nullptr;
      ready();
    }
  });
}

void User::read_history() {
  json::object params{{"channel", world_.doc_channel(replica_.doc)},
                      {"limit", kHistoryPage},
                      {"since", json::object{{"offset", replica_.version}, {"epoch", replica_.epoch}}}};
  int doc = replica_.doc;
  send_command("history", std::move(params), [self = shared_from_this(), doc](const json::object& reply) {
    if (self->replica_.doc != doc || !self->replica_.loaded) return;
    const json::object* history = object_of(reply, "history");
    if (history == nullptr) return self->lose_replica("history_refused");
    if (const json::value* pubs = history->if_contains("publications"); pubs != nullptr && pubs->is_array()) {
      for (const json::value& p : pubs->as_array()) {
        if (const json::object* data = object_of(p.as_object(), "data")) self->apply_remote(*data);
        if (!self->replica_.loaded) return;
        self->world_.metrics.event("ops_read_from_history");
      }
    }
    if (self->replica_.version < int_of(*history, "offset", 0)) return self->read_history();
    self->finish_catch_up();
  });
}

void User::finish_catch_up() {
  while (!replica_.buffered.empty()) {
    json::object data = std::move(replica_.buffered.front());
    replica_.buffered.pop_front();
    std::int64_t version = int_of(data, "version");
    if (version > replica_.version + 1) {
      // A gap: the ops between are in the history.
      replica_.buffered.push_front(std::move(data));
      return read_history();
    }
    apply_remote(data);
    if (!replica_.loaded) return;
  }
  replica_.catching_up = false;
  if (replica_.inflight && !replica_.inflight_sent) {
    world_.metrics.event("resubmitted_after_reconnect");
    return send_submit();
  }
  flush();
}

void User::on_op(const json::object& data) {
  if (!replica_.loaded || replica_.catching_up) {
    replica_.buffered.push_back(data);
    return;
  }
  if (int_of(data, "version") > replica_.version + 1) {
    replica_.catching_up = true;
    replica_.buffered.push_back(data);
    world_.metrics.event("gap_in_publications");
    return read_history();
  }
  apply_remote(data);
}

void User::apply_remote(const json::object& data) {
  std::int64_t version = int_of(data, "version");
  if (version <= replica_.version) return;  // seen already
  if (version != replica_.version + 1) return lose_replica("out_of_order_op");
  std::string client_id = string_of(data, "client_id");
  std::int64_t seq = int_of(data, "seq");
  if (client_id == replica_.client_id) {
    if (replica_.inflight && seq == replica_.inflight_seq) return on_own_op(version);
    return lose_replica("unexpected_own_op");
  }
  const json::value* op_json = data.if_contains("op");
  auto parsed = op_json != nullptr ? ot::parse_op(*op_json) : ot::Result<ot::Op>(ot::Op{});
  if (!parsed) return lose_replica("unparsable_remote_op");
  ot::Op remote = std::move(*parsed);
  for (std::optional<ot::Op>* local : {&replica_.inflight, &replica_.pending}) {
    if (!*local) continue;
    auto local_after = ot::transform(**local, remote, ot::Side::left);
    auto remote_after = ot::transform(remote, **local, ot::Side::right);
    if (!local_after || !remote_after) return lose_replica("transform_failed");
    **local = std::move(*local_after);
    remote = std::move(*remote_after);
  }
  if (auto applied = ot::apply(replica_.content, remote); !applied) return lose_replica("remote_op_did_not_apply");
  auto caret = ot::transform_cursor({{std::string("text")}, replica_.caret}, remote, ot::Side::left);
  replica_.caret = caret && *caret ? (*caret)->offset : 0;
  replica_.version = version;

  // Broadcast latency: from the author's (last) submission to this receipt.
  auto log = world_.clients.find(client_id);
  if (log != world_.clients.end()) {
    for (auto it = log->second.sent.rbegin(); it != log->second.sent.rend(); ++it) {
      if (it->first != seq) continue;
      std::int64_t at = now_us();
      world_.metrics.record(Kind::broadcast, at, at - it->second);
      break;
    }
  }
}

void User::on_own_op(std::int64_t version) {
  ClientLog& log = world_.clients[replica_.client_id];
  if (replica_.catching_up && !log.acked.contains(replica_.inflight_seq)) {
    world_.metrics.event("own_op_found_in_recovery");  // committed, but the reply was lost
  }
  if (log.acked.insert(replica_.inflight_seq).second) ++world_.ops_acked;
  register_notices(version);
  replica_.inflight.reset();
  replica_.inflight_sent = false;
  replica_.version = version;
  flush();
}

void User::register_notices(std::int64_t version) {
  std::int64_t at = now_us();
  for (Notice& n : replica_.inflight_notices) {
    n.version = version;
    n.committed_us = at;
    std::string key = World::notice_key(n.type, n.target, world_.docs[n.doc], version);
    auto [it, inserted] = world_.notices.emplace(key, n);
    if (!inserted) continue;
    if (auto early = world_.early_pushes.find(key); early != world_.early_pushes.end()) {
      it->second.pushed_us = early->second;
      it->second.pushes = 1;
      world_.metrics.record(Kind::notify_push, early->second, 0);
      world_.early_pushes.erase(early);
    }
    if (world_.inbox != nullptr) {
      // Probe the inbox of the target until the item shows, bounded in time.
      std::string token = world_.tokens[n.target];
      std::string doc_id = world_.docs[n.doc];
      Metrics* metrics = &world_.metrics;
      std::int64_t committed = at;
      world_.inbox->post([token, doc_id, version, committed, metrics](HttpWorker& http) {
        for (int attempt = 0; attempt < 200 && !http.stopping(); ++attempt) {
          auto reply = http.get("/v1/notifications?limit=20", token);
          if (reply && reply->status == 200) {
            json::value body = json::parse(reply->body);
            for (const json::value& item : body.at("items").as_array()) {
              NoticeRef ref = read_notice(item.as_object());
              if (ref.doc_id == doc_id && ref.version == version) {
                std::int64_t t = now_us();
                return metrics->record(Kind::notify_inbox, t, t - committed);
              }
            }
          } else if (reply && reply->status == 404) {
            return metrics->error("inbox_endpoint_missing");
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        metrics->error("inbox_probe_timed_out");
      });
    }
  }
  replica_.inflight_notices.clear();
}

void User::on_submit_reply(const std::string& client_id, std::int64_t seq, const json::object& reply) {
  // The reply may come after the op's publication, and so after the user
  // opened another document: it belongs to `client_id`, not to the replica.
  ClientLog& log = world_.clients[client_id];
  bool current = client_id == replica_.client_id && replica_.inflight && seq == replica_.inflight_seq;
  std::int64_t at = now_us();
  if (const json::object* rpc = object_of(reply, "rpc")) {
    for (auto it = log.sent.rbegin(); it != log.sent.rend(); ++it) {
      if (it->first == seq) {
        world_.metrics.record(Kind::ack, at, at - it->second);
        break;
      }
    }
    if (log.acked.insert(seq).second) ++world_.ops_acked;
    // The state moves on the op's publication (ops arrive there in order);
    // the reply only fixes the notices' commit moment.
    if (current) {
      const json::object* data = object_of(*rpc, "data");
      if (data != nullptr) register_notices(int_of(*data, "version"));
    }
    return;
  }
  const json::object* error = object_of(reply, "error");
  std::int64_t code = error != nullptr ? int_of(*error, "code") : 0;
  bool temporary = code == 111 || code == 429 || code == 500;
  world_.metrics.error("submit_error_" + std::to_string(code));
  if (!current) return;
  if (!temporary) return lose_replica("op_rejected");
  replica_.inflight_sent = false;
  auto retry = std::make_shared<asio::steady_timer>(world_.io, std::chrono::milliseconds(kTemporaryRetryMs));
  auto conn = conn_;
  retry->async_wait([self = shared_from_this(), retry, conn, client_id, seq](beast::error_code) {
    const Replica& r = self->replica_;
    if (conn != self->conn_ || r.client_id != client_id || !r.inflight || r.inflight_seq != seq) return;
    if (!self->replica_.inflight_sent && !self->replica_.catching_up) self->send_submit();
  });
}

void User::lose_replica(const std::string& reason) {
  world_.metrics.error("replica_refetched_" + reason);
  if (replica_.pending || replica_.inflight) world_.metrics.error("local_edits_dropped");
  replica_.inflight.reset();
  replica_.inflight_sent = false;
  replica_.inflight_notices.clear();
  replica_.pending.reset();
  replica_.pending_notices.clear();
  replica_.buffered.clear();
  replica_.loaded = false;
  if (online_) fetch_snapshot();
}

// ---- Local edits ----------------------------------------------------------

void User::flush() {
  if (!online_ || !replica_.loaded || replica_.catching_up || replica_.inflight || !replica_.pending) return;
  replica_.inflight = std::move(replica_.pending);
  replica_.pending.reset();
  replica_.inflight_notices = std::move(replica_.pending_notices);
  replica_.pending_notices.clear();
  replica_.inflight_seq = ++world_.clients[replica_.client_id].next_seq;
  send_submit();
}

void User::send_submit() {
  if (!conn_ || !online_) return;
  ClientLog& log = world_.clients[replica_.client_id];
  log.user = index_;
  log.doc = replica_.doc;
  std::int64_t at = now_us();
  log.sent.emplace_back(replica_.inflight_seq, at);
  if (log.sent.size() > kSentKept) log.sent.pop_front();
  replica_.inflight_sent = true;
  replica_.inflight_sent_us = at;
  json::object data{{"doc_id", world_.docs[replica_.doc]},
                    {"version", replica_.version},
                    {"op", ot::to_json(*replica_.inflight)},
                    {"client_id", replica_.client_id},
                    {"seq", replica_.inflight_seq}};
  std::int64_t seq = replica_.inflight_seq;
  send_command("rpc", json::object{{"method", "doc.submit"}, {"data", std::move(data)}},
               [self = shared_from_this(), client_id = replica_.client_id, seq](const json::object& reply) {
                 self->on_submit_reply(client_id, seq, reply);
               });
}

void User::add_local(ot::Op op) {
  if (!replica_.pending) {
    replica_.pending = std::move(op);
  } else if (auto composed = ot::compose(*replica_.pending, op)) {
    replica_.pending = std::move(*composed);
  } else {
    for (ot::Component& c : op) replica_.pending->push_back(std::move(c));  // applies in sequence all the same
  }
  flush();
}

void User::begin_activity() {
  std::uniform_real_distribution<double> phase(0.0, 1.0);
  schedule_key(static_cast<std::int64_t>(phase(random_) * 20.0 / std::max(0.05, world_.o.op_rate) * 1000));
  if (world_.searches != nullptr) schedule_action(search_timer_, world_.o.search_every_s, &User::search);
  if (world_.o.notifications) {
    schedule_action(mention_timer_, world_.o.mention_every_s, &User::mention);
    schedule_action(assign_timer_, world_.o.assign_every_s, &User::assign);
  }
  if (!hot_) schedule_action(switch_timer_, world_.o.switch_every_s, &User::switch_document);
}

void User::schedule_key(std::int64_t delay_ms) {
  key_timer_.expires_after(std::chrono::milliseconds(std::max<std::int64_t>(1, delay_ms)));
  key_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec && self->world_.typing && !self->closed_) self->type_key();
  });
}

void User::type_key() {
  const std::vector<Trace>& traces = world_.traces;
  if (burst_left_ <= 0) {
    std::uniform_int_distribution<std::size_t> pick(0, traces.size() - 1);
    trace_ = pick(random_);
    std::uniform_int_distribution<std::size_t> from(0, traces[trace_].keys.size() - 1);
    key_ = from(random_);
    std::uniform_int_distribution<int> length(10, 60);
    burst_left_ = burst_length_ = length(random_);
    burst_start_us_ = now_us();
  }
  const std::vector<Keystroke>& keys = traces[trace_].keys;
  const Keystroke& key = keys[key_ % keys.size()];
  ++key_;
  --burst_left_;

  if (replica_.loaded && !replica_.catching_up) {
    std::string text = text_of(replica_.content);
    std::int64_t length = ot::utf16_length(text);
    replica_.caret = std::clamp<std::int64_t>(replica_.caret, 0, length);
    json::array op;
    std::int64_t erase = std::min<std::int64_t>(key.erase, replica_.caret);
    if (erase > 0) {
      auto removed = ot::utf16_slice(text, replica_.caret - erase, replica_.caret);
      if (removed) {
        op.push_back(json::object{{"p", json::array{"text", replica_.caret - erase}}, {"sd", *removed}});
      }
    }
    std::int64_t at = replica_.caret - (op.empty() ? 0 : erase);
    if (!key.text.empty()) op.push_back(json::object{{"p", json::array{"text", at}}, {"si", key.text}});
    ot::Op parsed = parse_or_empty(op);
    if (!parsed.empty() && ot::apply(replica_.content, parsed)) {
      replica_.caret = at + ot::utf16_length(key.text);
      add_local(std::move(parsed));
      maybe_send_cursor();
    } else if (!op.empty()) {
      world_.metrics.error("keystroke_skipped");  // for example an offset inside a surrogate pair
    }
  }

  std::int64_t delay_ms = 0;
  if (burst_left_ > 0) {
    const Keystroke& next = keys[key_ % keys.size()];
    std::uniform_int_distribution<std::int64_t> human(60, 250);
    delay_ms = next.delay_ms >= 0 ? std::max<std::int32_t>(next.delay_ms, 5) : human(random_);
  } else {
    // Idle until the next burst so that the average rate is op_rate.
    double burst_s = static_cast<double>(now_us() - burst_start_us_) / 1e6;
    double mean_idle_s = std::max(0.2, burst_length_ / std::max(0.01, world_.o.op_rate) - burst_s);
    std::exponential_distribution<double> idle(1.0 / mean_idle_s);
    delay_ms = static_cast<std::int64_t>(std::min(idle(random_), 10 * mean_idle_s) * 1000);
  }
  schedule_key(delay_ms);
}

void User::maybe_send_cursor() {
  std::int64_t at = now_us();
  if (!online_ || at - last_cursor_us_ < static_cast<std::int64_t>(world_.o.cursor_interval_s * 1e6)) return;
  last_cursor_us_ = at;
  json::object data{{"type", "cursor"},
                    {"user_id", user_id_},
                    {"position", json::object{{"path", json::array{"text"}}, {"offset", replica_.caret}}},
                    {"sent_us", at}};
  send_command("publish", json::object{{"channel", world_.cursor_channel(replica_.doc)}, {"data", std::move(data)}},
               [self = shared_from_this()](const json::object& reply) {
                 if (reply.contains("error")) self->world_.metrics.error("cursor_publish_refused");
               });
}

void User::schedule_action(asio::steady_timer& timer, double mean_s, void (User::*action)()) {
  if (mean_s <= 0) return;
  std::exponential_distribution<double> wait(1.0 / mean_s);
  timer.expires_after(std::chrono::milliseconds(static_cast<std::int64_t>(wait(random_) * 1000) + 1));
  timer.async_wait([self = shared_from_this(), &timer, mean_s, action](beast::error_code ec) {
    if (ec || !self->world_.typing || self->closed_) return;
    ((*self).*action)();
    self->schedule_action(timer, mean_s, action);
  });
}

void User::mention() {
  if (!idle() || world_.o.users < 2) return;
  std::uniform_int_distribution<int> pick(0, world_.o.users - 2);
  int target = pick(random_);
  if (target >= index_) ++target;
  std::string token = " <@" + World::user_id(target) + "> ";
  replica_.caret = caret_outside_token(text_of(replica_.content), replica_.caret);
  json::array op{json::object{{"p", json::array{"text", replica_.caret}}, {"si", token}}};
  ot::Op parsed = parse_or_empty(op);
  if (!ot::apply(replica_.content, parsed)) return;
  replica_.caret += ot::utf16_length(token);
  replica_.pending_notices.push_back({.type = "mention", .target = target, .actor = index_, .doc = replica_.doc});
  add_local(std::move(parsed));
}

void User::assign() {
  if (!idle() || world_.o.users < 3) return;
  json::object& content = replica_.content.as_object();
  json::value* tasks = content.if_contains("tasks");
  if (tasks == nullptr || !tasks->is_object()) return;
  json::value* mine = tasks->as_object().if_contains(user_id_);
  if (mine == nullptr) {
    // Create this user's task first; the assignment follows next time.
    json::array op{json::object{{"p", json::array{"tasks", user_id_}},
                                {"oi", json::object{{"title", "Follow-up by " + user_id_}}}}};
    ot::Op parsed = parse_or_empty(op);
    if (ot::apply(replica_.content, parsed)) add_local(std::move(parsed));
    return;
  }
  std::string current = mine->is_object() ? string_of(mine->as_object(), "assignee") : "";
  int target = index_;
  std::uniform_int_distribution<int> pick(0, world_.o.users - 1);
  while (target == index_ || World::user_id(target) == current) target = pick(random_);
  json::object component{{"p", json::array{"tasks", user_id_, "assignee"}}, {"oi", World::user_id(target)}};
  if (!current.empty()) component["od"] = current;
  ot::Op parsed = parse_or_empty(json::array{component});
  if (!ot::apply(replica_.content, parsed)) return;
  replica_.pending_notices.push_back({.type = "assign", .target = target, .actor = index_, .doc = replica_.doc});
  add_local(std::move(parsed));
}

void User::search() {
  const Trace& trace = world_.traces[std::uniform_int_distribution<std::size_t>(0, world_.traces.size() - 1)(random_)];
  if (trace.words.empty()) return;
  std::string word = trace.words[std::uniform_int_distribution<std::size_t>(0, trace.words.size() - 1)(random_)];
  std::string target = "/v1/workspaces/" + world_.workspace + "/search?q=" + word + "&limit=20";
  std::string token = world_.tokens[index_];
  Metrics* metrics = &world_.metrics;
  bool queued = world_.searches->post([target, token, metrics](HttpWorker& http) {
    std::int64_t start = now_us();
    auto reply = http.get(target, token);
    std::int64_t end = now_us();
    if (!reply) return metrics->error("search_unreachable");
    if (reply->status != 200) return metrics->error("search_status_" + std::to_string(reply->status));
    metrics->record(Kind::search, end, end - start);
  });
  if (!queued) world_.metrics.error("search_skipped_queue_full");
}

void User::switch_document() {
  if (!idle() || world_.o.documents < 3) return;
  std::uniform_int_distribution<int> pick(1, world_.o.documents - 1);
  int doc = replica_.doc;
  while (doc == replica_.doc) doc = pick(random_);
  send_command("unsubscribe", json::object{{"channel", world_.doc_channel(replica_.doc)}}, [](const json::object&) {});
  send_command("unsubscribe", json::object{{"channel", world_.cursor_channel(replica_.doc)}}, [](const json::object&) {});
  replica_ = Replica{};
  replica_.doc = doc;
  replica_.client_id = user_id_ + "-d" + std::to_string(doc);
  send_command("subscribe", doc_subscribe_params(),
               [self = shared_from_this()](const json::object& reply) { self->on_doc_subscribed(reply); });
  send_command("subscribe", json::object{{"channel", world_.cursor_channel(doc)}}, [](const json::object&) {});
}

void User::on_user_push(const json::object& pushed, std::int64_t at) {
  const json::object* inner = object_of(pushed, "notification");
  NoticeRef ref = read_notice(inner != nullptr ? *inner : pushed);
  if (ref.type.empty()) return;
  std::string key = World::notice_key(ref.type, index_, ref.doc_id, ref.version);
  auto it = world_.notices.find(key);
  if (it == world_.notices.end()) {
    world_.early_pushes.emplace(key, at);  // an incidental one, or its acknowledgement is still to come
    return;
  }
  if (++it->second.pushes == 1) {
    it->second.pushed_us = at;
    world_.metrics.record(Kind::notify_push, at, at - it->second.committed_us);
  }
}

}  // namespace tandem::load
