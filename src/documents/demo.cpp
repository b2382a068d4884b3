#include "documents/demo.h"

#include <spdlog/spdlog.h>

namespace tandem::documents {
namespace {

constexpr const char* kDemoName = "Demo workspace";

struct DemoDocument {
  const char* title;
  const char* content;
  std::vector<std::string> tags;
};

const std::vector<DemoDocument>& demo_documents() {
  static const std::vector<DemoDocument> documents = {
      {"Welcome to Tandem",
       R"({"blocks":[{"type":"heading","text":"Welcome"},{"type":"paragraph","text":"Every edit here is shared live with everyone viewing this page."}]})",
       {"guide"}},
      {"Release checklist",
       R"({"blocks":[{"type":"todo","text":"Write the release notes","done":false,"assignee":"bob"},{"type":"todo","text":"Tag the build","done":true}]})",
       {"planning", "release"}},
      {"Meeting notes: collaboration features",
       R"({"blocks":[{"type":"paragraph","text":"We agreed to ship cursors and presence first, then notifications."}]})",
       {"meetings"}},
  };
  return documents;
}

}  // namespace

Result<std::string> seed_demo(Service& service) {
  Caller alice{kDemoOwner, "Alice Example", "alice@example.com"};
  // Names for every demo user, so member lists and the web client's sign-in
  // show them before each user's first token.
  for (const Caller& user : {alice, Caller{"bob", "Bob Example", "bob@example.com"},
                             Caller{"carol", "Carol Example", "carol@example.com"}}) {
    if (auto status = service.remember_caller(user); !status) return std::unexpected(status.error());
  }

  auto existing = service.list_workspaces(alice);
  if (!existing) return std::unexpected(existing.error());
  for (const auto& membership : *existing) {
    if (membership.workspace.name == kDemoName) return membership.workspace.id;
  }

  auto workspace = service.create_workspace(alice, kDemoName);
  if (!workspace) return std::unexpected(workspace.error());
  const std::string& id = workspace->workspace.id;

  if (auto member = service.put_member(alice, id, "bob", Role::editor); !member) {
    return std::unexpected(member.error());
  }
  if (auto member = service.put_member(alice, id, "carol", Role::viewer); !member) {
    return std::unexpected(member.error());
  }
  for (const DemoDocument& document : demo_documents()) {
    auto created = service.create_document(alice, id, {document.title, document.content, document.tags});
    if (!created) return std::unexpected(created.error());
  }
  spdlog::info("created demo workspace {} with users alice (owner), bob (editor), carol (viewer)", id);
  return id;
}

}  // namespace tandem::documents
