#include "realtime/codec.h"

#include <array>
#include <charconv>

#include <fmt/format.h>

#include <boost/json.hpp>

namespace tandem::realtime {
namespace {

namespace json = boost::json;

std::unexpected<Error> bad(std::string message) {
  return fail(ErrorCode::invalid_request, std::move(message));
}

// Field readers: absent fields keep their default; a present field of the
// wrong type is an error naming the field.
Status read_string(const json::object& obj, std::string_view key, std::string& out) {
  const json::value* v = obj.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return {};
  }
  if (!v->is_string()) {
    return bad(fmt::format("field '{}' must be a string", key));
  }
  out.assign(v->get_string().data(), v->get_string().size());
  return {};
}

Status read_bool(const json::object& obj, std::string_view key, bool& out) {
  const json::value* v = obj.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return {};
  }
  if (!v->is_bool()) {
    return bad(fmt::format("field '{}' must be a boolean", key));
  }
  out = v->get_bool();
  return {};
}

Status read_u64(const json::object& obj, std::string_view key, std::uint64_t& out) {
  const json::value* v = obj.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return {};
  }
  if (v->is_uint64()) {
    out = v->get_uint64();
    return {};
  }
  if (v->is_int64() && v->get_int64() >= 0) {
    out = static_cast<std::uint64_t>(v->get_int64());
    return {};
  }
  return bad(fmt::format("field '{}' must be a non-negative integer", key));
}

Status read_raw(const json::object& obj, std::string_view key, std::string& out) {
  const json::value* v = obj.if_contains(key);
  if (v == nullptr) {
    return {};
  }
  out = json::serialize(*v);
  return {};
}

Status read_since(const json::object& obj, std::optional<StreamPosition>& out) {
  const json::value* v = obj.if_contains("since");
  if (v == nullptr || v->is_null()) {
    return {};
  }
  if (!v->is_object()) {
    return bad("field 'since' must be an object {offset, epoch}");
  }
  StreamPosition pos;
  if (auto s = read_u64(v->get_object(), "offset", pos.offset); !s) return s;
  if (auto s = read_string(v->get_object(), "epoch", pos.epoch); !s) return s;
  out = std::move(pos);
  return {};
}

Status read_limit(const json::object& obj, std::optional<std::int64_t>& out) {
  const json::value* v = obj.if_contains("limit");
  if (v == nullptr || v->is_null()) {
    return {};
  }
  if (v->is_int64()) {
    out = v->get_int64();
    return {};
  }
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    out = static_cast<std::int64_t>(v->get_uint64());
    return {};
  }
  return bad("field 'limit' must be an integer");
}

Status read_subs(const json::object& obj, std::map<std::string, SubRecovery>& out) {
  const json::value* v = obj.if_contains("subs");
  if (v == nullptr || v->is_null()) {
    return {};
  }
  if (!v->is_object()) {
    return bad("field 'subs' must be an object keyed by channel");
  }
  for (const auto& [channel, entry] : v->get_object()) {
    if (!entry.is_object()) {
      return bad("each 'subs' entry must be an object {recover, offset, epoch}");
    }
    SubRecovery rec;
    if (auto s = read_bool(entry.get_object(), "recover", rec.recover); !s) return s;
    if (auto s = read_u64(entry.get_object(), "offset", rec.offset); !s) return s;
    if (auto s = read_string(entry.get_object(), "epoch", rec.epoch); !s) return s;
    out.emplace(std::string(channel), std::move(rec));
  }
  return {};
}

struct MethodName {
  std::string_view key;
  Method method;
};

constexpr std::array<MethodName, 12> kMethods = {{
    {"connect", Method::connect},
    {"subscribe", Method::subscribe},
    {"unsubscribe", Method::unsubscribe},
    {"publish", Method::publish},
    {"presence", Method::presence},
    {"presence_stats", Method::presence_stats},
    {"history", Method::history},
    {"ping", Method::ping},
    {"send", Method::send},
    {"rpc", Method::rpc},
    {"refresh", Method::refresh},
    {"sub_refresh", Method::sub_refresh},
}};

// Reads the fields of the method's request object.
Status read_params(const json::object& p, Command& cmd) {
  switch (cmd.method) {
    case Method::empty:
    case Method::ping:
      return {};
    case Method::connect:
      if (auto s = read_string(p, "token", cmd.token); !s) return s;
      if (auto s = read_raw(p, "data", cmd.data); !s) return s;
      if (auto s = read_string(p, "name", cmd.name); !s) return s;
      if (auto s = read_string(p, "version", cmd.version); !s) return s;
      return read_subs(p, cmd.subs);
    case Method::subscribe: {
      // Centrifugo closes with 3501 on a delta type it does not know.
      // Tandem accepts "fossil" and sends full data (no `delta` in the result).
      std::string delta;
      if (auto s = read_string(p, "delta", delta); !s) return s;
      if (!delta.empty() && delta != "fossil") {
        return bad(fmt::format("unknown delta type \"{}\" in subscribe; the known type is \"fossil\"", delta));
      }
      if (auto s = read_string(p, "channel", cmd.channel); !s) return s;
      if (auto s = read_string(p, "token", cmd.token); !s) return s;
      if (auto s = read_bool(p, "recover", cmd.recover); !s) return s;
      if (auto s = read_u64(p, "offset", cmd.offset); !s) return s;
      if (auto s = read_string(p, "epoch", cmd.epoch); !s) return s;
      if (auto s = read_raw(p, "data", cmd.data); !s) return s;
      if (auto s = read_bool(p, "positioned", cmd.positioned); !s) return s;
      if (auto s = read_bool(p, "recoverable", cmd.recoverable); !s) return s;
      return read_bool(p, "join_leave", cmd.join_leave);
    }
    case Method::unsubscribe:
    case Method::presence:
    case Method::presence_stats:
      return read_string(p, "channel", cmd.channel);
    case Method::publish:
      if (auto s = read_string(p, "channel", cmd.channel); !s) return s;
      return read_raw(p, "data", cmd.data);
    case Method::history:
      if (auto s = read_string(p, "channel", cmd.channel); !s) return s;
      if (auto s = read_limit(p, cmd.limit); !s) return s;
      if (auto s = read_since(p, cmd.since); !s) return s;
      return read_bool(p, "reverse", cmd.reverse);
    case Method::send:
      return read_raw(p, "data", cmd.data);
    case Method::rpc:
      if (auto s = read_string(p, "method", cmd.rpc_method); !s) return s;
      return read_raw(p, "data", cmd.data);
    case Method::refresh:
      return read_string(p, "token", cmd.token);
    case Method::sub_refresh:
      if (auto s = read_string(p, "channel", cmd.channel); !s) return s;
      return read_string(p, "token", cmd.token);
  }
  return {};
}

Status read_id(const json::value& v, Command& cmd) {
  if (v.is_null()) {
    return {};
  }
  std::uint64_t id = 0;
  if (v.is_uint64()) {
    id = v.get_uint64();
  } else if (v.is_int64() && v.get_int64() >= 0) {
    id = static_cast<std::uint64_t>(v.get_int64());
  } else {
    return bad("field 'id' must be a non-negative integer");
  }
  if (id > UINT32_MAX) {
    return bad(fmt::format("field 'id' is {}, above the maximum {}", id, UINT32_MAX));
  }
  cmd.id = static_cast<std::uint32_t>(id);
  return {};
}

}  // namespace

Result<Command> decode_command(std::string_view line) {
  std::array<unsigned char, 4096> scratch;
  json::monotonic_resource mr(scratch.data(), scratch.size());
  boost::system::error_code ec;
  json::value root = json::parse(line, ec, &mr);
  if (ec) {
    return bad(fmt::format("invalid JSON: {}", ec.message()));
  }
  if (!root.is_object()) {
    return bad("a command must be a JSON object");
  }

  Command cmd;
  const json::object& obj = root.get_object();
  const json::object* params = nullptr;
  for (const auto& [key, value] : obj) {
    if (key == "id") {
      if (auto s = read_id(value, cmd); !s) return std::unexpected(s.error());
      continue;
    }
    for (const auto& m : kMethods) {
      if (key != m.key) {
        continue;
      }
      if (cmd.method != Method::empty) {
        return bad("a command must name exactly one method");
      }
      if (!value.is_object()) {
        return bad(fmt::format("field '{}' must be an object", m.key));
      }
      cmd.method = m.method;
      params = &value.get_object();
    }
  }

  if (params != nullptr) {
    if (auto s = read_params(*params, cmd); !s) return std::unexpected(s.error());
  }
  return cmd;
}

std::vector<std::string_view> split_lines(std::string_view message) {
  std::vector<std::string_view> lines;
  while (!message.empty()) {
    std::size_t end = message.find('\n');
    std::string_view line = message.substr(0, end);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
      lines.push_back(line);
    }
    if (end == std::string_view::npos) {
      break;
    }
    message.remove_prefix(end + 1);
  }
  return lines;
}

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

bool is_valid_json(std::string_view text) {
  boost::system::error_code ec;
  json::parse(text, ec);
  return !ec;
}

ObjectWriter::ObjectWriter() { out_.push_back('{'); }

void ObjectWriter::key(std::string_view name) {
  if (!first_) {
    out_.push_back(',');
  }
  first_ = false;
  append_json_string(out_, name);
  out_.push_back(':');
}

ObjectWriter& ObjectWriter::string(std::string_view k, std::string_view value) {
  if (!value.empty()) {
    key(k);
    append_json_string(out_, value);
  }
  return *this;
}

ObjectWriter& ObjectWriter::number(std::string_view k, std::uint64_t value) {
  if (value != 0) {
    key(k);
    out_ += std::to_string(value);
  }
  return *this;
}

ObjectWriter& ObjectWriter::boolean(std::string_view k, bool value) {
  if (value) {
    key(k);
    out_ += "true";
  }
  return *this;
}

ObjectWriter& ObjectWriter::raw(std::string_view k, std::string_view json_text) {
  if (!json_text.empty()) {
    raw_always(k, json_text);
  }
  return *this;
}

ObjectWriter& ObjectWriter::raw_always(std::string_view k, std::string_view json_text) {
  key(k);
  out_ += json_text;
  return *this;
}

std::string ObjectWriter::finish() {
  out_.push_back('}');
  return std::move(out_);
}

std::string encode_client_info(const ClientInfo& info) {
  return ObjectWriter()
      .string("user", info.user)
      .string("client", info.client)
      .raw("conn_info", info.conn_info)
      .raw("chan_info", info.chan_info)
      .finish();
}

std::string encode_tags(const std::map<std::string, std::string>& tags) {
  ObjectWriter w;
  for (const auto& [k, v] : tags) {
    w.raw_always(k, [&] {
      std::string s;
      append_json_string(s, v);
      return s;
    }());
  }
  return w.finish();
}

std::string encode_publication(const Publication& pub) {
  ObjectWriter w;
  w.raw("data", pub.data);
  if (pub.info) {
    w.raw_always("info", encode_client_info(*pub.info));
  }
  w.number("offset", pub.offset);
  if (!pub.tags.empty()) {
    w.raw_always("tags", encode_tags(pub.tags));
  }
  return w.finish();
}

std::string encode_publications(const std::vector<Publication>& pubs) {
  std::string out = "[";
  for (std::size_t i = 0; i < pubs.size(); ++i) {
    if (i > 0) {
      out.push_back(',');
    }
    out += encode_publication(pubs[i]);
  }
  out.push_back(']');
  return out;
}

std::string encode_reply(std::uint32_t id, std::string_view method, std::string_view body) {
  std::string out = "{\"id\":";
  out += std::to_string(id);
  out.push_back(',');
  append_json_string(out, method);
  out.push_back(':');
  out += body;
  out.push_back('}');
  return out;
}

std::string encode_error(std::uint32_t id, const ProtocolError& error) {
  std::string body = ObjectWriter()
                         .number("code", error.code)
                         .string("message", error.message)
                         .boolean("temporary", error.temporary)
                         .finish();
  return encode_reply(id, "error", body);
}

std::string encode_push(std::string_view channel, std::string_view kind, std::string_view body) {
  std::string inner = ObjectWriter().string("channel", channel).raw_always(kind, body).finish();
  std::string out = "{\"push\":";
  out += inner;
  out.push_back('}');
  return out;
}

}  // namespace tandem::realtime
