// State shared by the simulated users of one run, all on the event loop's
// thread: the settings, the server's current address, the documents, what
// every client id submitted and had acknowledged, and the notifications the
// run expects.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/value.hpp>

#include "metrics.h"
#include "traces.h"

namespace tandem::load {

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;          // a running server; 0 when --server-bin starts one
  std::string server_bin;
  std::string data_dir;            // for a started server; a fresh temporary one when empty
  std::string secret = "tandem-load-secret-0123456789abcdef";
  std::string api_key = "tandem-load-api-key";
  int server_pid = 0;
  int users = 500;
  int documents = 120;
  int hot_editors = 60;            // users in the meeting document
  double op_rate = 1.0;            // keystrokes per second per user, on average
  int warmup_s = 5;
  int duration_s = 60;             // measured seconds of editing
  double cursor_interval_s = 1.0;  // at most one cursor update per user per interval while typing
  double search_every_s = 120;     // mean seconds between one user's searches
  double mention_every_s = 300;
  double assign_every_s = 600;
  double switch_every_s = 180;     // mean seconds before a user opens another document
  bool notifications = true;
  bool chaos = false;
  int kills = 3;
  double restart_delay_s = 0.5;
  std::uint64_t seed = 1;
  std::string traces_dir;
  std::size_t trace_keys = 50'000;
  std::string report_path = "tandem-load-report.json";
  std::string chart_path;          // .svg; empty: next to the report
  int settle_s = 60;               // bound on the end-of-run drain and convergence
  int connect_concurrency = 100;
};

// The submissions of one client id (one user in one document).
struct ClientLog {
  int user = -1;
  int doc = -1;
  std::int64_t next_seq = 0;
  std::deque<std::pair<std::int64_t, std::int64_t>> sent;  // (seq, last send time), newest last
  std::set<std::int64_t> acked;                              // seqs acknowledged by the server
};

// A notification the run expects because an acknowledged op mentioned or
// assigned someone.
struct Notice {
  std::string type;  // "mention" or "assign"
  int target = -1;
  int actor = -1;
  int doc = -1;
  std::int64_t version = 0;
  std::int64_t committed_us = -1;  // when the op's acknowledgement arrived
  std::int64_t pushed_us = -1;     // first live push on user:{id}
  int pushes = 0;
};

class HttpWorker;

struct World {
  World(const Options& options, boost::asio::io_context& context, Metrics& m)
      : o(options), io(context), metrics(m), rng(options.seed) {}

  const Options& o;
  boost::asio::io_context& io;
  Metrics& metrics;
  boost::asio::ip::tcp::endpoint endpoint;
  bool server_up = true;
  std::string workspace;
  std::vector<std::string> docs;
  std::vector<std::string> tokens;  // by user index
  std::vector<Trace> traces;
  std::unordered_map<std::string, ClientLog> clients;
  std::map<std::string, Notice> notices;               // by notice_key
  std::map<std::string, std::int64_t> early_pushes;    // pushes that came before the acknowledgement
  bool typing = false;
  int connected = 0;
  std::int64_t ops_acked = 0;
  HttpWorker* searches = nullptr;  // null: no searches
  HttpWorker* inbox = nullptr;     // null: no inbox latency probes
  std::mt19937_64 rng;

  static std::string user_id(int index) { return "u" + std::to_string(index); }
  static std::string notice_key(const std::string& type, int target, const std::string& doc_id, std::int64_t version) {
    return type + "|" + std::to_string(target) + "|" + doc_id + "|" + std::to_string(version);
  }
  std::string doc_channel(int doc) const { return "doc:" + workspace + ":" + docs[doc]; }
  std::string cursor_channel(int doc) const { return "cursor:" + workspace + ":" + docs[doc]; }
};

// The content every load document starts with.
boost::json::value initial_content();

// The identity of a notification: its kind ("mention", "assign" or "" for
// another type), document, version and event id.
struct NoticeRef {
  std::string type;
  std::string doc_id;
  std::int64_t version = -1;
  std::string id;
};

// Reads an inbox item, or the `notification` object of a live push on
// user:{id}. The document fields may sit in the item itself or in its `payload`.
NoticeRef read_notice(const boost::json::object& item);

}  // namespace tandem::load
