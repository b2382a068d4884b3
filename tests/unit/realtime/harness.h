// Test harness for the real-time engine: an in-memory Transport that records
// what a Client sends, a settable clock and token helpers.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "auth/jwt.h"
#include "realtime/client.h"
#include "realtime/engine.h"

namespace tandem::realtime::testing {

inline constexpr const char* kSecret = "unit-test-secret";

// Records messages in the order a socket would write them, honoring hold().
class RecordingTransport final : public Transport {
 public:
  void send(SharedMessage m) override {
    std::lock_guard lock(mutex_);
    sent_.push_back(*m);
  }
  void deliver(SharedMessage m) override {
    std::lock_guard lock(mutex_);
    if (hold_depth_ > 0) {
      held_.push_back(*m);
    } else {
      sent_.push_back(*m);
    }
  }
  void hold() override {
    std::lock_guard lock(mutex_);
    ++hold_depth_;
  }
  void release() override {
    std::lock_guard lock(mutex_);
    if (--hold_depth_ == 0) {
      sent_.insert(sent_.end(), held_.begin(), held_.end());
      held_.clear();
    }
  }
  void close(Disconnect reason) override {
    std::lock_guard lock(mutex_);
    if (!closed_) closed_ = reason;
  }
  void post(std::function<void()> fn) override { fn(); }

  // Returns the messages sent so far and clears the record.
  std::vector<std::string> take() {
    std::lock_guard lock(mutex_);
    auto out = std::move(sent_);
    sent_.clear();
    return out;
  }
  std::optional<Disconnect> closed() {
    std::lock_guard lock(mutex_);
    return closed_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> sent_;
  std::vector<std::string> held_;
  int hold_depth_ = 0;
  std::optional<Disconnect> closed_;
};

// A membership table: user → workspaces.
struct Members {
  std::vector<std::pair<std::string, std::string>> rows;  // (user, workspace)
  std::optional<std::string> lookup(const std::string& user, const std::string& ws) const {
    for (const auto& [u, w] : rows) {
      if (u == user && w == ws) return "editor";
    }
    return std::nullopt;
  }
};

struct Fixture {
  std::int64_t now_ms = 1'800'000'000'000;
  Members members;
  std::shared_ptr<Engine> engine;

  explicit Fixture(EngineOptions options = default_options()) {
    options.jwt_secret = kSecret;
    options.clock_skew_s = 0;
    options.api_key = "api-key";
    members.rows = {{"alice", "w1"}, {"bob", "w1"}, {"carol", "w2"}};
    auto authorizer = std::make_shared<RuleAuthorizer>(
        [this](const std::string& u, const std::string& w) { return members.lookup(u, w); });
    engine = std::make_shared<Engine>(std::move(options), authorizer, [this] { return now_ms; });
  }

  std::string token(const std::string& user, std::int64_t ttl_s = 3600, const std::string& extra = "") const {
    return auth::mint_token({.secret = kSecret, .subject = user, .now_unix_s = now_ms / 1000, .ttl_s = ttl_s,
                             .extra_claims_json = extra});
  }
};

// One connection: a Client over a RecordingTransport.
struct Conn {
  std::shared_ptr<RecordingTransport> transport = std::make_shared<RecordingTransport>();
  std::shared_ptr<Client> client;

  explicit Conn(Engine& engine) : client(std::make_shared<Client>(engine, transport)) { client->start(); }
  ~Conn() { client->on_closed(); }

  // Sends one WebSocket message and returns the parsed messages sent back.
  std::vector<boost::json::value> send(const std::string& message) {
    client->handle_message(message);
    return received();
  }
  std::vector<boost::json::value> received() {
    std::vector<boost::json::value> out;
    for (const auto& m : transport->take()) out.push_back(boost::json::parse(m));
    return out;
  }
  std::string connect(const std::string& token, std::uint32_t id = 1) {
    auto replies = send(R"({"id":)" + std::to_string(id) + R"(,"connect":{"token":")" + token + R"("}})");
    if (replies.empty() || !replies[0].as_object().contains("connect")) return {};
    return std::string(replies[0].at("connect").at("client").as_string());
  }
};

}  // namespace tandem::realtime::testing
