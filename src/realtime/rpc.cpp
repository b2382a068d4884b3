#include "realtime/rpc.h"

namespace tandem::realtime {

void RpcRegistry::add(std::string method, RpcHandler handler) {
  std::lock_guard lock(mutex_);
  handlers_[std::move(method)] = std::move(handler);
}

RpcHandler RpcRegistry::find(std::string_view method) const {
  std::lock_guard lock(mutex_);
  auto it = handlers_.find(std::string(method));
  return it == handlers_.end() ? RpcHandler{} : it->second;
}

}  // namespace tandem::realtime
