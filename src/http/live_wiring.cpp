#include "http/live_wiring.h"

#include <map>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "http/rest_json.h"

namespace tandem::http {
namespace json = boost::json;

namespace {

// The document id of "doc:{ws}:{doc}", or empty.
std::string_view document_of(std::string_view channel) {
  auto last = channel.rfind(':');
  if (last == std::string_view::npos || !channel.starts_with("doc:")) return {};
  return channel.substr(last + 1);
}

realtime::Publication publication_of(const storage::OpRecord& record) {
  realtime::Publication pub;
  pub.offset = static_cast<std::uint64_t>(record.version);
  pub.data = op_publication(record);
  pub.time_unix_ms = record.created_at;
  return pub;
}

}  // namespace

std::string document_channel(const std::string& workspace_id, const std::string& document_id) {
  return "doc:" + workspace_id + ":" + document_id;
}

std::string op_publication(const storage::OpRecord& record) {
  // The op is embedded as stored (already serialized JSON), so a publication
  // costs one string build, not a parse and a serialize.
  return fmt::format(R"({{"type":"op","version":{},"op":{},"user_id":{},"client_id":{},"seq":{},"ts":{}}})",
                     record.version, record.op_json, json::serialize(json::value(record.user_id)),
                     json::serialize(json::value(record.client_id)), record.seq, record.created_at);
}

std::string meta_publication(const documents::MetaEvent& event) {
  std::string_view kind = "updated";
  switch (event.kind) {
    case documents::MetaEvent::Kind::created: kind = "created"; break;
    case documents::MetaEvent::Kind::updated: kind = "updated"; break;
    case documents::MetaEvent::Kind::deleted: kind = "deleted"; break;
  }
  json::array tags;
  for (const std::string& tag : event.tags) tags.emplace_back(tag);
  return json::serialize(json::object{{"type", "meta"},
                                      {"event", kind},
                                      {"doc_id", event.document_id},
                                      {"title", event.title},
                                      {"tags", std::move(tags)},
                                      {"user_id", event.user_id},
                                      {"version", event.version}});
}

void publish_meta(realtime::Engine& engine, const documents::MetaEvent& event) {
  std::string data = meta_publication(event);
  auto on_workspace = engine.publish("workspace:" + event.workspace_id, data);
  if (!on_workspace) {
    spdlog::error("document {}: publishing a metadata change on workspace {} failed: {}", event.document_id,
                  event.workspace_id, on_workspace.error().message);
  }
  auto on_document = engine.publish(document_channel(event.workspace_id, event.document_id), std::move(data),
                                    {.skip_history = true});
  if (!on_document) {
    spdlog::error("document {}: publishing a metadata change failed: {}", event.document_id,
                  on_document.error().message);
  }
}

void publish_presence_change(realtime::Engine& engine, std::string_view channel, const realtime::ClientInfo& info,
                             bool joined) {
  constexpr std::string_view prefix = "doc:";
  if (!channel.starts_with(prefix)) return;
  std::string_view rest = channel.substr(prefix.size());
  std::size_t colon = rest.find(':');
  if (colon == std::string_view::npos) return;
  std::string_view workspace_id = rest.substr(0, colon);
  std::string_view document_id = rest.substr(colon + 1);

  std::string data = json::serialize(json::object{{"type", "presence"},
                                                  {"doc_id", document_id},
                                                  {"user_id", info.user},
                                                  {"client_id", info.client},
                                                  {"open", joined}});
  // Not kept in the workspace channel's short history, where it would push
  // out the metadata changes that recovery needs.
  auto published =
      engine.publish(fmt::format("workspace:{}", workspace_id), std::move(data), {.skip_history = true});
  if (!published) {
    spdlog::warn("document {}: publishing a presence change of client {} failed: {}", document_id, info.client,
                 published.error().message);
  }
}

OpLogHistory::OpLogHistory(storage::Store& store, documents::LiveDocuments& live, std::string epoch)
    : store_(store), live_(live), epoch_(std::move(epoch)) {}

Result<realtime::StreamPosition> OpLogHistory::append(std::string_view channel, realtime::Publication& pub,
                                                      const realtime::NamespaceOptions&) {
  // Only committed ops reach document channels, numbered by their version.
  if (pub.offset == 0) {
    return fail(ErrorCode::invalid_request,
                fmt::format("channel {} carries committed ops only; submit edits with doc.submit", channel));
  }
  return realtime::StreamPosition{pub.offset, epoch_};
}

Result<realtime::HistoryResult> OpLogHistory::read(std::string_view channel, const realtime::HistoryQuery& query,
                                                   const realtime::NamespaceOptions&) {
  std::string document_id(document_of(channel));
  if (document_id.empty()) {
    return fail(ErrorCode::invalid_request, fmt::format("{} is not a document channel", channel));
  }
  auto top = live_.durable_version(document_id);
  if (!top) return std::unexpected(top.error());

  realtime::HistoryResult result;
  result.top = {static_cast<std::uint64_t>(*top), epoch_};
  if (query.limit == 0) return result;

  std::int64_t limit = static_cast<std::int64_t>(std::min<std::size_t>(query.limit, 10000));
  std::int64_t from = 0;
  std::int64_t to = *top;
  if (query.since) {
    from = static_cast<std::int64_t>(query.since->offset);
  } else if (query.reverse) {
    from = std::max<std::int64_t>(0, *top - limit);
  }
  if (!query.reverse) to = std::min(to, from + limit);

  auto ops = store_.list_ops(document_id, from, to, static_cast<int>(limit));
  if (!ops) return std::unexpected(ops.error());
  for (const storage::OpRecord& record : *ops) result.publications.push_back(publication_of(record));
  if (query.reverse) std::reverse(result.publications.begin(), result.publications.end());
  return result;
}

Status OpLogHistory::remove(std::string_view channel) {
  return fail(ErrorCode::invalid_request,
              fmt::format("the history of {} is the document's op log and cannot be removed", channel));
}

realtime::ProtocolError rpc_error(const Error& error) {
  // Application errors use codes 400 and up, as Centrifugo leaves them to
  // applications; they mirror the HTTP statuses of the REST API.
  std::uint32_t code = 500;
  bool temporary = false;
  switch (error.code) {
    case ErrorCode::invalid_request: code = 400; break;
    case ErrorCode::invalid_operation: code = 422; break;
    case ErrorCode::unauthorized: code = 401; break;
    case ErrorCode::forbidden: code = 403; break;
    case ErrorCode::not_found: code = 404; break;
    case ErrorCode::version_conflict: code = 409; break;
    case ErrorCode::payload_too_large: code = 413; break;
    case ErrorCode::rate_limited: code = 429; temporary = true; break;
    case ErrorCode::internal: code = 500; temporary = true; break;
  }
  std::string message = fmt::format("{}: {}", code_name(error.code), error.message);
  return {code, std::move(message), temporary};
}

namespace {

Result<json::object> parse_params(std::string_view data, std::initializer_list<std::string_view> allowed) {
  return parse_object_body(data, allowed);
}

void submit(documents::Service& service, const realtime::RpcCall& call, realtime::RpcDone done) {
  auto params = parse_params(call.data, {"doc_id", "version", "op", "client_id", "seq"});
  if (!params) return done(std::unexpected(rpc_error(params.error())));
  auto document_id = required_string(*params, "doc_id");
  if (!document_id) return done(std::unexpected(rpc_error(document_id.error())));

  // Access errors come before input errors. submit_op checks access itself,
  // so a well-formed submit is authorized only there. A malformed one is
  // checked here first, so that an access error wins over the input error.
  documents::Caller caller{call.user, "", ""};
  auto request = read_submit_fields(*params, *document_id);
  if (!request) {
    if (auto allowed = service.check_can_edit(caller, *document_id); !allowed) {
      return done(std::unexpected(rpc_error(allowed.error())));
    }
    return done(std::unexpected(rpc_error(request.error())));
  }

  service.submit_op(caller, std::move(*request), [done](Result<documents::SubmitResult> result) {
    if (!result) return done(std::unexpected(rpc_error(result.error())));
    done(fmt::format(R"({{"version":{},"op":{}}})", result->version, result->op_json));
  });
}

void fetch(documents::Service& service, const realtime::RpcCall& call, realtime::RpcDone done) {
  auto params = parse_params(call.data, {"doc_id", "version"});
  if (!params) return done(std::unexpected(rpc_error(params.error())));
  auto document_id = required_string(*params, "doc_id");
  if (!document_id) return done(std::unexpected(rpc_error(document_id.error())));
  std::optional<std::int64_t> version;
  if (params->contains("version")) {
    auto parsed = required_integer(*params, "version", 0, INT64_MAX);
    if (!parsed) return done(std::unexpected(rpc_error(parsed.error())));
    version = *parsed;
  }

  auto document = service.get_document({call.user, "", ""}, *document_id, version);
  if (!document) return done(std::unexpected(rpc_error(document.error())));
  done(json::serialize(document_json(*document, true)));
}

}  // namespace

void add_document_rpc(realtime::Engine& engine, documents::Service& service) {
  engine.rpc().add("doc.submit", [&service](realtime::RpcCall call, realtime::RpcDone done) {
    submit(service, call, std::move(done));
  });
  engine.rpc().add("doc.fetch", [&service](realtime::RpcCall call, realtime::RpcDone done) {
    fetch(service, call, std::move(done));
  });
}

void add_presence_route(Router& router, RestContext& context, std::shared_ptr<realtime::Engine> engine) {
  router.add("GET", "/v1/workspaces/{ws}/presence", [&context, engine](Request& request) {
    auto caller = authenticate(request, context);
    if (!caller) return error_response(caller.error());
    const std::string& workspace_id = request.params["ws"];
    if (auto role = context.service.authorize(*caller, workspace_id, Role::viewer); !role) {
      return error_response(role.error());
    }

    // Member names come from the store; one lookup per workspace request.
    std::map<std::string, std::string> names;
    if (auto members = context.store.list_members(workspace_id)) {
      for (const auto& member : *members) names[member.user_id] = member.name;
    }

    json::object result;
    std::string prefix = "doc:" + workspace_id + ":";
    for (const auto& [channel, count] : engine->channels(prefix + "*")) {
      json::array viewers;
      std::set<std::string> seen;
      for (const realtime::ClientInfo& info : engine->presence(channel)) {
        if (!seen.insert(info.user).second) continue;
        viewers.push_back(json::object{{"user_id", info.user}, {"name", names[info.user]}});
      }
      if (!viewers.empty()) result[channel.substr(prefix.size())] = std::move(viewers);
    }
    return json_response(200, result);
  });
}

}  // namespace tandem::http
