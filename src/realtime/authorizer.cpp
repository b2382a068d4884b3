#include "realtime/authorizer.h"

namespace tandem::realtime {

std::string_view workspace_of(const ChannelName& name) {
  return name.rest.substr(0, name.rest.find(':'));
}

RuleAuthorizer::RuleAuthorizer(MembershipLookup lookup) : lookup_(std::move(lookup)) {}

bool RuleAuthorizer::allowed(const AccessRequest& request) {
  if (request.ns == nullptr || request.user.empty()) {
    return false;
  }
  switch (request.ns->subscribe) {
    case SubscribeRule::member: {
      std::string_view ws = workspace_of(request.name);
      if (ws.empty() || !lookup_) {
        return false;
      }
      return lookup_(std::string(request.user), std::string(ws)).has_value();
    }
    case SubscribeRule::self:
      return request.name.rest == request.user;
    case SubscribeRule::user:
      return true;
    case SubscribeRule::token:
      return false;
  }
  return false;
}

}  // namespace tandem::realtime
