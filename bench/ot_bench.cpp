// Benchmark of the json0 engine, driven by bench/ot_compare.mjs, which
// prepares the inputs from the editing traces and runs ot-json0 on the same
// ops for comparison. Prints one JSON line of results.
//   ot_bench apply FILE      FILE: {"name", "txns": [[{p, i|d}, ...], ...], "endContent"}
//   ot_bench transform FILE  FILE: {"pairs": [[a, b], ...]}
#include <sys/resource.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <boost/json.hpp>

#include "ot/json0.h"

namespace {

namespace json = boost::json;
using namespace tandem::ot;
using Clock = std::chrono::steady_clock;

json::value read_json(const char* path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream buffer;
  buffer << file.rdbuf();
  return json::parse(buffer.str());
}

long max_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// One op per transaction, in the legacy si/sd form on {"text": ...}.
std::vector<Op> trace_ops(const json::array& txns) {
  std::vector<Op> ops;
  ops.reserve(txns.size());
  for (const auto& txn : txns) {
    json::array components;
    for (const auto& edit : txn.get_array()) {
      const auto& e = edit.get_object();
      bool insert = e.contains("i");
      components.push_back(json::object{{"p", json::array{"text", e.at("p")}},
                                        {insert ? "si" : "sd", insert ? e.at("i") : e.at("d")}});
    }
    ops.push_back(parse_op(components).value());
  }
  return ops;
}

int run_apply(const char* path) {
  auto input = read_json(path);
  auto ops = trace_ops(input.at("txns").get_array());
  long rss_before = max_rss_kib();

  json::value doc = json::object{{"text", ""}};
  auto start = Clock::now();
  for (const auto& op : ops) {
    if (!tandem::ot::apply(doc, op)) {
      std::cerr << "apply failed\n";
      return 1;
    }
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();

  bool matches = doc.at("text").get_string() == input.at("endContent").get_string();
  json::object result{{"name", input.at("name")},
                      {"ops", ops.size()},
                      {"seconds", seconds},
                      {"ops_per_sec", static_cast<double>(ops.size()) / seconds},
                      {"final_bytes", doc.at("text").get_string().size()},
                      {"max_rss_kib", max_rss_kib()},
                      {"rss_kib_before_apply", rss_before},
                      {"matches_end_content", matches}};
  std::cout << json::serialize(result) << "\n";
  return matches ? 0 : 1;
}

int run_transform(const char* path) {
  auto input = read_json(path);
  std::vector<std::pair<Op, Op>> pairs;
  for (const auto& pair : input.at("pairs").get_array()) {
    pairs.emplace_back(parse_op(pair.at(0)).value(), parse_op(pair.at(1)).value());
  }

  // Repeat the whole set until it has run for at least half a second.
  std::size_t transforms = 0;
  std::size_t failures = 0;
  auto start = Clock::now();
  double seconds = 0;
  while (seconds < 0.5) {
    for (const auto& [a, b] : pairs) {
      failures += transform(a, b, Side::left) ? 0 : 1;
      failures += transform(b, a, Side::right) ? 0 : 1;
      transforms += 2;
    }
    seconds = std::chrono::duration<double>(Clock::now() - start).count();
  }
  json::object result{{"pairs", pairs.size()},
                      {"transforms", transforms},
                      {"failures", failures},
                      {"seconds", seconds},
                      {"transforms_per_sec", static_cast<double>(transforms) / seconds},
                      {"max_rss_kib", max_rss_kib()}};
  std::cout << json::serialize(result) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: ot_bench apply FILE | ot_bench transform FILE (see bench/ot_compare.mjs)\n";
    return 2;
  }
  std::string mode = argv[1];
  if (mode == "apply") return run_apply(argv[2]);
  if (mode == "transform") return run_transform(argv[2]);
  std::cerr << "unknown mode " << mode << "; use apply or transform\n";
  return 2;
}
