// RPC methods callable over the socket (`rpc` command), registered by the
// application before serving, e.g. `doc.submit`.
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

// Thread-safe map of method name to handler.
class RpcRegistry {
 public:
  // Registers or replaces `method`.
  void add(std::string method, RpcHandler handler);

  // Returns the handler, or an empty function for an unknown method (104).
  RpcHandler find(std::string_view method) const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, RpcHandler> handlers_;
};

}  // namespace tandem::realtime
