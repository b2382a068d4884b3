#include "verify.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>

#include "ot/json0.h"
#include "ot/value.h"

namespace tandem::load {

namespace json = boost::json;
namespace http = boost::beast::http;

namespace {

constexpr std::size_t kViolationsKept = 50;

std::string key_of(std::string_view client_id, std::int64_t seq) {
  return std::string(client_id) + "#" + std::to_string(seq);
}

// The op log of one document, oldest first.
json::array read_op_log(bench::Rest& rest, const std::string& doc_id, const std::string& token) {
  json::array all;
  std::int64_t from = 0;
  for (;;) {
    json::value page = rest.call(http::verb::get, "/v1/documents/" + doc_id + "/ops?from=" + std::to_string(from) +
                                                      "&limit=1000",
                                 token, nullptr, 200);
    const json::array& ops = page.at("ops").as_array();
    if (ops.empty()) break;
    for (const json::value& op : ops) all.push_back(op);
    from = ops.back().at("version").to_number<std::int64_t>();
    if (ops.size() < 1000) break;
  }
  return all;
}

}  // namespace

void Verification::violate(const std::string& what) {
  ++violation_count;
  if (violations.size() < kViolationsKept) violations.push_back(what);
}

std::vector<std::int64_t> server_versions(World& world, bench::Rest& rest, const std::string& owner_token) {
  std::vector<std::int64_t> versions;
  for (const std::string& id : world.docs) {
    versions.push_back(rest.call(http::verb::get, "/v1/documents/" + id, owner_token, nullptr, 200)
                           .at("version")
                           .to_number<std::int64_t>());
  }
  return versions;
}

void verify_documents(World& world, const std::vector<std::shared_ptr<User>>& users, bench::Rest& rest,
                      const std::string& owner_token, Verification& out) {
  std::vector<json::value> snapshots;
  std::vector<std::int64_t> versions;
  std::map<std::string, int> logged;  // client_id#seq -> times in the op log
  for (std::size_t d = 0; d < world.docs.size(); ++d) {
    const std::string& id = world.docs[d];
    json::value document = rest.call(http::verb::get, "/v1/documents/" + id, owner_token, nullptr, 200);
    snapshots.push_back(document.at("content"));
    versions.push_back(document.at("version").to_number<std::int64_t>());
    json::array log = read_op_log(rest, id, owner_token);
    out.counts["ops_in_log"] += static_cast<std::int64_t>(log.size());

    // The log replays from the initial content to the snapshot, one version per op.
    json::value replay = initial_content();
    std::int64_t expected_version = 0;
    bool replay_ok = true;
    for (const json::value& entry : log) {
      const json::object& e = entry.as_object();
      std::int64_t version = e.at("version").to_number<std::int64_t>();
      if (version != ++expected_version) {
        out.violate("document " + id + ": op log skips from version " + std::to_string(expected_version - 1) +
                    " to " + std::to_string(version));
        replay_ok = false;
        break;
      }
      ++logged[key_of(e.at("client_id").as_string(), e.at("seq").to_number<std::int64_t>())];
      auto op = ot::parse_op(e.at("op"));
      if (!op || !ot::apply(replay, *op)) {
        out.violate("document " + id + ": logged op " + std::to_string(version) + " does not apply on replay");
        replay_ok = false;
        break;
      }
    }
    if (replay_ok && expected_version != versions.back()) {
      out.violate("document " + id + ": op log ends at version " + std::to_string(expected_version) +
                  " but the document is at " + std::to_string(versions.back()));
    } else if (replay_ok && !ot::deep_equal(replay, snapshots.back())) {
      out.violate("document " + id + ": replaying the op log does not give the snapshot");
    }
  }

  // Every acknowledged op exactly once; no op of this run twice.
  for (const auto& [client_id, log] : world.clients) {
    for (std::int64_t seq : log.acked) {
      ++out.counts["acked_ops"];
      auto it = logged.find(key_of(client_id, seq));
      if (it == logged.end()) {
        ++out.counts["lost_ops"];
        out.violate("acknowledged op " + client_id + " seq " + std::to_string(seq) + " is not in the op log");
      }
    }
  }
  for (const auto& [key, times] : logged) {
    if (times > 1) {
      ++out.counts["duplicated_ops"];
      out.violate("op " + key + " is in the op log " + std::to_string(times) + " times");
    }
  }

  // Every replica equals the server's snapshot.
  for (const auto& user : users) {
    const Replica& r = user->replica();
    ++out.counts["replicas_checked"];
    std::string who = World::user_id(user->index()) + " on document " + world.docs[r.doc];
    if (!r.loaded) {
      ++out.counts["replicas_diverged"];
      out.violate(who + ": replica never loaded");
    } else if (r.version != versions[r.doc] || r.inflight || r.pending) {
      ++out.counts["replicas_diverged"];
      out.violate(who + ": replica at version " + std::to_string(r.version) + ", server at " +
                  std::to_string(versions[r.doc]) + (r.inflight || r.pending ? " with unsent local edits" : ""));
    } else if (!ot::deep_equal(r.content, snapshots[r.doc])) {
      ++out.counts["replicas_diverged"];
      out.violate(who + ": replica content differs from the server snapshot at the same version");
    }
  }
}

void verify_notifications(World& world, bench::Rest& rest, const std::vector<std::int64_t>& versions, int wait_s,
                          Verification& out) {
  out.counts["notifications_expected"] = static_cast<std::int64_t>(world.notices.size());
  std::map<std::string, std::int64_t> version_of;  // document id -> final version
  for (std::size_t d = 0; d < world.docs.size(); ++d) version_of[world.docs[d]] = versions[d];

  // Every user's inbox is read: typing next to a token can make a new one
  // (deleting the "1" of <@u12> leaves <@u2>), so others may hold items too.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
  std::map<std::string, int> found;  // notice key -> inbox items
  std::vector<std::string> phantoms;
  for (;;) {
    found.clear();
    phantoms.clear();
    for (int target = 0; target < world.o.users; ++target) {
      const std::string& token = world.tokens[static_cast<std::size_t>(target)];
      std::string cursor;
      for (int page = 0; page < 1000; ++page) {
        std::string url = "/v1/notifications?limit=100" + (cursor.empty() ? "" : "&cursor=" + cursor);
        bench::RestReply reply = rest.exchange(http::verb::get, url, token, "");
        if (reply.status == 404) {
          out.violate("the server has no GET /v1/notifications (404), so mentions and assignments cannot be "
                      "checked; run with --notifications off against a server without notifications");
          out.counts["notifications_endpoint_missing"] = 1;
          return;
        }
        if (reply.status != 200) {
          out.violate("GET " + url + " for " + World::user_id(target) + " returned " +
                      std::to_string(reply.status) + ": " + reply.body);
          return;
        }
        json::value body = json::parse(reply.body);
        for (const json::value& item : body.at("items").as_array()) {
          NoticeRef ref = read_notice(item.as_object());
          std::string key = World::notice_key(ref.type, target, ref.doc_id, ref.version);
          ++found[key];
          auto doc = version_of.find(ref.doc_id);
          if (ref.type.empty() || doc == version_of.end() || ref.version < 1 || ref.version > doc->second) {
            phantoms.push_back(World::user_id(target) + ": " + json::serialize(item));
          }
        }
        const json::value* next = body.as_object().if_contains("next_cursor");
        if (next == nullptr || !next->is_string() || next->as_string().empty()) break;
        cursor = std::string(next->as_string());
      }
    }
    bool all_there = std::all_of(world.notices.begin(), world.notices.end(),
                                 [&](const auto& entry) { return found.contains(entry.first); });
    if (all_there || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }

  std::int64_t pushed = 0;
  std::int64_t delivered = 0;
  for (const auto& [key, notice] : world.notices) {
    if (notice.pushes > 0) ++pushed;
    auto it = found.find(key);
    if (it == found.end()) {
      ++out.counts["notifications_lost"];
      out.violate("notification " + key + " (type|user index|document|version) is not in the inbox");
    } else {
      ++delivered;
    }
  }
  std::int64_t incidental = 0;
  for (const auto& [key, times] : found) {
    if (times > 1) {
      ++out.counts["notifications_duplicated"];
      out.violate("notification " + key + " is in the inbox " + std::to_string(times) + " times");
    }
    if (!world.notices.contains(key)) ++incidental;
  }
  for (const std::string& phantom : phantoms) {
    ++out.counts["notifications_phantom"];
    out.violate("inbox item of no op of this run: " + phantom);
  }
  out.counts["notifications_delivered"] = delivered;
  out.counts["notifications_pushed_live"] = pushed;
  out.counts["notifications_incidental"] = incidental;
}

}  // namespace tandem::load
