// Channel authorization: the hook through which Tandem checks workspace
// membership and identity on every subscribe, publish, presence and history
// request from a client connection.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "realtime/options.h"

namespace tandem::realtime {

// The action a connection requests on a channel.
enum class ChannelAction { subscribe, publish };

struct AccessRequest {
  std::string_view user;     // connection's user id, empty for anonymous
  std::string_view channel;  // full channel name
  ChannelName name;          // channel split into namespace and rest
  const NamespaceOptions* ns = nullptr;
  ChannelAction action = ChannelAction::subscribe;
};

// Implementations must be thread-safe; calls come from connection strands and
// may block briefly (a SQLite read), never on network I/O.
class ChannelAuthorizer {
 public:
  virtual ~ChannelAuthorizer() = default;

  // Returns true when the namespace rule allows the action. For namespaces
  // with the `token` rule the engine grants access from tokens instead.
  virtual bool allowed(const AccessRequest& request) = 0;
};

// Applies the namespace's SubscribeRule with a membership lookup:
// lookup(user_id, workspace_id) returns the user's role, or nullopt when the
// user is not a member. Publishing follows the same rule as subscribing.
class RuleAuthorizer final : public ChannelAuthorizer {
 public:
  using MembershipLookup =
      std::function<std::optional<std::string>(const std::string& user_id, const std::string& workspace_id)>;

  explicit RuleAuthorizer(MembershipLookup lookup);
  bool allowed(const AccessRequest& request) override;

 private:
  MembershipLookup lookup_;
};

// Returns the workspace id of a `member` channel: the text after the
// namespace up to the next ':' (`doc:{ws}:{doc}` → {ws}).
std::string_view workspace_of(const ChannelName& name);

}  // namespace tandem::realtime
