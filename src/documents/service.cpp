#include "documents/service.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/ids.h"
#include "documents/validation.h"

namespace tandem::documents {

Service::Service(storage::Store& store, ServiceOptions options)
    : store_(store), options_(std::move(options)) {}

Status Service::remember_caller(const Caller& caller) {
  std::string fingerprint = caller.name + "\n" + caller.email;
  {
    std::lock_guard lock(known_users_mutex_);
    auto found = known_users_.find(caller.user_id);
    if (found != known_users_.end() && found->second == fingerprint) {
      return {};
    }
  }

  auto status = store_.upsert_user({caller.user_id, caller.name, caller.email});
  if (!status) return status;

  std::lock_guard lock(known_users_mutex_);
  known_users_[caller.user_id] = std::move(fingerprint);
  return {};
}

Result<Role> Service::authorize(const Caller& caller, const std::string& workspace_id, Role minimum) {
  auto role = store_.member_role(workspace_id, caller.user_id);
  if (!role) return std::unexpected(role.error());
  if (!*role) {
    auto workspace = store_.find_workspace(workspace_id);
    if (!workspace) return std::unexpected(workspace.error());
    if (!*workspace) {
      return fail(ErrorCode::not_found, fmt::format("workspace {} not found", workspace_id));
    }
    return fail(ErrorCode::forbidden,
                fmt::format("user {} is not a member of workspace {}", caller.user_id, workspace_id));
  }
  if (!role_at_least(**role, minimum)) {
    return fail(ErrorCode::forbidden,
                fmt::format("user {} is {} in workspace {}; this needs the {} role or higher", caller.user_id,
                            role_name(**role), workspace_id, role_name(minimum)));
  }
  return **role;
}

Result<storage::WorkspaceMembership> Service::create_workspace(const Caller& caller, const std::string& name) {
  if (auto status = check_workspace_name(name); !status) return std::unexpected(status.error());

  storage::Workspace workspace{new_id("w"), name, caller.user_id, now_unix_ms()};
  auto status = store_.create_workspace(workspace);
  if (!status) return std::unexpected(status.error());
  return storage::WorkspaceMembership{std::move(workspace), Role::owner};
}

Result<std::vector<storage::WorkspaceMembership>> Service::list_workspaces(const Caller& caller) {
  return store_.list_workspaces(caller.user_id);
}

Result<std::vector<storage::Member>> Service::list_members(const Caller& caller,
                                                           const std::string& workspace_id) {
  if (auto role = authorize(caller, workspace_id, Role::viewer); !role) return std::unexpected(role.error());
  return store_.list_members(workspace_id);
}

Result<storage::Member> Service::put_member(const Caller& caller, const std::string& workspace_id,
                                            const std::string& user_id, Role role) {
  if (auto status = check_user_id(user_id); !status) return std::unexpected(status.error());
  if (auto allowed = authorize(caller, workspace_id, Role::owner); !allowed) {
    return std::unexpected(allowed.error());
  }

  auto status = store_.put_member(workspace_id, user_id, role);
  if (!status) return std::unexpected(status.error());

  auto user = store_.find_user(user_id);
  if (!user) return std::unexpected(user.error());
  storage::Member member{user_id, "", "", role};
  if (*user) {
    member.name = (*user)->name;
    member.email = (*user)->email;
  }
  return member;
}

Status Service::remove_member(const Caller& caller, const std::string& workspace_id, const std::string& user_id) {
  if (auto allowed = authorize(caller, workspace_id, Role::owner); !allowed) {
    return std::unexpected(allowed.error());
  }
  return store_.remove_member(workspace_id, user_id);
}

Result<storage::Document> Service::create_document(const Caller& caller, const std::string& workspace_id,
                                                   CreateDocument input) {
  if (auto status = check_title(input.title); !status) return std::unexpected(status.error());
  std::string content = input.content_json.value_or("{}");
  if (auto status = check_content_size(content.size(), options_.max_content_bytes); !status) {
    return std::unexpected(status.error());
  }
  auto tags = normalize_tags(input.tags);
  if (!tags) return std::unexpected(tags.error());
  if (auto role = authorize(caller, workspace_id, Role::editor); !role) return std::unexpected(role.error());

  storage::NewDocument document{new_id("d"), workspace_id, std::move(input.title), std::move(content),
                                std::move(*tags), caller.user_id, now_unix_ms()};
  auto created = store_.create_document(document);
  if (created) notify(MetaEvent::Kind::created, *created, caller);
  return created;
}

Result<storage::DocumentPage> Service::list_documents(const Caller& caller, storage::ListQuery query) {
  if (auto role = authorize(caller, query.workspace_id, Role::viewer); !role) {
    return std::unexpected(role.error());
  }
  return store_.list_documents(query);
}

Result<storage::Document> Service::find_authorized(const Caller& caller, const std::string& document_id,
                                                   Role minimum) {
  auto document = store_.find_document(document_id);
  if (!document) return std::unexpected(document.error());
  if (!*document) {
    return fail(ErrorCode::not_found, fmt::format("document {} not found", document_id));
  }
  if (auto role = authorize(caller, (*document)->workspace_id, minimum); !role) {
    return std::unexpected(role.error());
  }
  return std::move(**document);
}

Result<storage::Document> Service::get_document(const Caller& caller, const std::string& document_id,
                                                std::optional<std::int64_t> version) {
  auto document = find_authorized(caller, document_id, Role::viewer);
  if (!document) return document;
  if (live_ != nullptr) return live_->read(std::move(*document), version);
  if (version && *version != document->version) {
    return fail(ErrorCode::not_found,
                fmt::format("document {} has no version {}; the current version is {}", document_id, *version,
                            document->version));
  }
  return document;
}

Status Service::check_can_edit(const Caller& caller, const std::string& document_id) {
  if (live_ == nullptr) return fail(ErrorCode::internal, "live editing is not enabled on this server");
  auto workspace = live_->workspace_of(document_id);
  if (!workspace) return std::unexpected(workspace.error());
  if (auto role = authorize(caller, *workspace, Role::editor); !role) return std::unexpected(role.error());
  return {};
}

void Service::submit_op(const Caller& caller, SubmitRequest request, SubmitDone done) {
  if (auto allowed = check_can_edit(caller, request.document_id); !allowed) {
    done(std::unexpected(allowed.error()));
    return;
  }
  live_->submit(caller, std::move(request), std::move(done));
}

namespace {

// Builds the json0 op that turns object `current` into object `target`,
// one component per changed top-level key.
boost::json::array replacement_op(const boost::json::object& current, const boost::json::object& target) {
  boost::json::array op;
  for (const auto& [key, value] : current) {
    const boost::json::value* target_value = target.if_contains(key);
    if (target_value != nullptr && *target_value == value) continue;
    boost::json::object component{{"p", boost::json::array{key}}, {"od", value}};
    if (target_value != nullptr) component["oi"] = *target_value;
    op.push_back(std::move(component));
  }
  for (const auto& [key, value] : target) {
    if (current.contains(key)) continue;
    op.push_back(boost::json::object{{"p", boost::json::array{key}}, {"oi", value}});
  }
  return op;
}

Result<boost::json::object> parse_object(const std::string& text) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(text, ec);
  if (ec || !value.is_object()) return fail(ErrorCode::internal, "stored content is not a JSON object");
  return std::move(value.as_object());
}

}  // namespace

void Service::restore_version(const Caller& caller, const std::string& document_id, std::int64_t version,
                              SubmitDone done) {
  if (auto allowed = check_can_edit(caller, document_id); !allowed) {
    done(std::unexpected(allowed.error()));
    return;
  }
  auto current = live_->read(document_id, std::nullopt);
  if (!current) return done(std::unexpected(current.error()));
  auto old = live_->read(document_id, version);
  if (!old) return done(std::unexpected(old.error()));
  auto current_content = parse_object(current->content_json);
  if (!current_content) return done(std::unexpected(current_content.error()));
  auto old_content = parse_object(old->content_json);
  if (!old_content) return done(std::unexpected(old_content.error()));

  SubmitRequest request{document_id, current->version, replacement_op(*current_content, *old_content),
                        new_id("restore"), 0};
  live_->submit(caller, std::move(request), std::move(done));
}

Result<std::vector<storage::OpRecord>> Service::list_ops(const Caller& caller, const std::string& document_id,
                                                         std::int64_t from, std::optional<std::int64_t> to,
                                                         int limit) {
  auto document = find_authorized(caller, document_id, Role::viewer);
  if (!document) return std::unexpected(document.error());
  std::int64_t last = to.value_or(document->version);
  if (last < from) {
    return fail(ErrorCode::invalid_request,
                fmt::format("invalid range: 'to' {} is below 'from' {}", last, from));
  }
  return store_.list_ops(document_id, from, std::min(last, document->version), limit);
}

Result<storage::Document> Service::update_document(const Caller& caller, const std::string& document_id,
                                                   storage::DocumentMetaUpdate update) {
  if (update.title) {
    if (auto status = check_title(*update.title); !status) return std::unexpected(status.error());
  }
  if (update.tags) {
    auto tags = normalize_tags(*update.tags);
    if (!tags) return std::unexpected(tags.error());
    update.tags = std::move(*tags);
  }
  if (auto document = find_authorized(caller, document_id, Role::editor); !document) return document;

  update.edited_by = caller.user_id;
  update.edited_at = now_unix_ms();
  auto updated = store_.update_document_meta(document_id, update);
  if (updated) notify(MetaEvent::Kind::updated, *updated, caller);
  return updated;
}

Status Service::delete_document(const Caller& caller, const std::string& document_id) {
  auto document = find_authorized(caller, document_id, Role::editor);
  if (!document) return std::unexpected(document.error());
  auto deleted = store_.delete_document(document_id);
  if (deleted && live_ != nullptr) live_->mark_deleted(document_id);
  if (deleted) notify(MetaEvent::Kind::deleted, *document, caller);
  return deleted;
}

void Service::notify(MetaEvent::Kind kind, const storage::Document& document, const Caller& caller) {
  if (!options_.on_meta) return;
  options_.on_meta({kind, document.workspace_id, document.id, document.title, document.tags, caller.user_id,
                    document.version});
}

Result<storage::SearchPage> Service::search(const Caller& caller, storage::SearchQuery query) {
  if (auto role = authorize(caller, query.workspace_id, Role::viewer); !role) {
    return std::unexpected(role.error());
  }
  return store_.search(query);
}

}  // namespace tandem::documents
