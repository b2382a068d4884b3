// RPC methods callable over the socket (`rpc` command) or through the server
// API (`rpc` method), registered by the application before serving, e.g.
// `doc.submit`.
#pragma once

#include <expected>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "realtime/protocol.h"

namespace tandem::realtime {

struct RpcCall {
  std::string user;    // caller's user id
  std::string client;  // caller's connection id
  std::string data;    // request `data` as raw JSON, may be empty
};

// The result `data` as raw JSON (may be empty), or an error reply.
using RpcResult = std::expected<std::string, ProtocolError>;

// Must be called exactly once, from any thread; later calls are ignored.
using RpcDone = std::function<void(RpcResult)>;

// Runs the method. It may complete synchronously or later from any thread.
using RpcHandler = std::function<void(RpcCall call, RpcDone done)>;

// A method of the server API's `rpc` call: runs synchronously on the HTTP
// thread with the request's `params` (raw JSON, may be empty) and returns the
// result `data`.
using ApiRpcHandler = std::function<RpcResult(std::string_view params)>;

// Thread-safe map of method name to handler.
template <typename Handler>
class MethodRegistry {
 public:
  // Registers or replaces `method`.
  void add(std::string method, Handler handler) {
    std::lock_guard lock(mutex_);
    handlers_[std::move(method)] = std::move(handler);
  }

  // Returns the handler, or an empty function for an unknown method (104).
  Handler find(std::string_view method) const {
    std::lock_guard lock(mutex_);
    auto it = handlers_.find(std::string(method));
    return it == handlers_.end() ? Handler{} : it->second;
  }

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Handler> handlers_;
};

using RpcRegistry = MethodRegistry<RpcHandler>;
using ApiRpcRegistry = MethodRegistry<ApiRpcHandler>;

}  // namespace tandem::realtime
