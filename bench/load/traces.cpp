#include "traces.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <stdexcept>

#include <boost/json.hpp>
#include <zlib.h>

namespace tandem::load {

namespace json = boost::json;

namespace {

// Longest insert and delete of one keystroke: large pastes are cut so that a
// burst stays a burst of typing.
constexpr std::size_t kMaxInsertBytes = 200;
constexpr std::int64_t kMaxErase = 50;
// Pauses longer than this are cut to it; the tool's bursts add idle time.
constexpr std::int64_t kMaxPauseMs = 3000;

std::string read_gzip(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) throw std::runtime_error("cannot open trace " + path);
  std::string out;
  char buffer[1 << 16];
  for (;;) {
    int n = gzread(file, buffer, sizeof buffer);
    if (n < 0) {
      gzclose(file);
      throw std::runtime_error("cannot decompress trace " + path);
    }
    if (n == 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  gzclose(file);
  return out;
}

// Milliseconds since the epoch of an ISO 8601 UTC time ("2021-04-19T06:06:58.219Z"
// or "...+00:00"), or -1 when it does not parse.
std::int64_t parse_time_ms(std::string_view text) {
  std::tm tm{};
  int ms = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  std::string s(text);
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d", &year, &month, &day, &hour, &minute, &second) != 6) return -1;
  if (auto dot = s.find('.'); dot != std::string::npos) ms = std::atoi(s.substr(dot + 1, 3).c_str());
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000 + ms;
}

// Cuts `text` to at most `limit` bytes without splitting a UTF-8 sequence.
std::string cut_utf8(const std::string& text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (std::isalpha(static_cast<unsigned char>(c))) {
      word.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
      continue;
    }
    if (word.size() >= 4 && words.size() < 5000) words.push_back(word);
    word.clear();
  }
  return words;
}

Trace parse_trace(const std::string& name, const std::string& text, std::size_t max_keys) {
  json::value root = json::parse(text);
  Trace trace{name, {}, words_of(std::string(root.at("endContent").as_string()))};
  std::int64_t previous_ms = -1;
  bool timed = false;
  for (const json::value& txn : root.at("txns").as_array()) {
    if (trace.keys.size() >= max_keys) break;
    std::int64_t at_ms = -1;
    if (const json::value* time = txn.as_object().if_contains("time"); time != nullptr && time->is_string()) {
      at_ms = parse_time_ms(time->as_string());
    }
    if (at_ms > 0) timed = true;
    std::int32_t delay = -1;
    if (timed && at_ms > 0 && previous_ms > 0) {
      delay = static_cast<std::int32_t>(std::clamp<std::int64_t>(at_ms - previous_ms, 0, kMaxPauseMs));
    }
    if (at_ms > 0) previous_ms = at_ms;
    for (const json::value& patch : txn.at("patches").as_array()) {
      const json::array& p = patch.as_array();
      Keystroke key;
      key.delay_ms = delay;
      key.erase = static_cast<std::int32_t>(std::min<std::int64_t>(p.at(1).to_number<std::int64_t>(), kMaxErase));
      key.text = cut_utf8(std::string(p.at(2).as_string()), kMaxInsertBytes);
      if (key.erase == 0 && key.text.empty()) continue;
      trace.keys.push_back(std::move(key));
      delay = 0;  // later patches of one transaction come at once
    }
  }
  return trace;
}

}  // namespace

std::vector<Trace> load_traces(const std::string& dir, std::size_t max_keys) {
  std::vector<std::string> paths;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.ends_with(".json.gz") && !name.ends_with(".ascii.json.gz")) paths.push_back(entry.path().string());
  }
  if (ec) throw std::runtime_error("cannot list traces folder " + dir + ": " + ec.message());
  if (paths.empty()) throw std::runtime_error("no *.json.gz traces in " + dir + "; pass --traces DIR");
  std::sort(paths.begin(), paths.end());
  std::vector<Trace> traces;
  for (const std::string& path : paths) {
    try {
      traces.push_back(parse_trace(std::filesystem::path(path).filename().string(), read_gzip(path), max_keys));
    } catch (const std::exception& e) {
      throw std::runtime_error("trace " + path + " is not in the expected format: " + e.what());
    }
  }
  return traces;
}

std::string default_traces_dir(const std::string& fallback) {
  if (const char* dir = std::getenv("TANDEM_TRACES_DIR"); dir != nullptr && *dir != '\0') return dir;
  if (const char* source = std::getenv("TANDEM_SOURCE_DIR"); source != nullptr && *source != '\0') {
    return (std::filesystem::path(source) / ".." / "shared" / "data" / "editing-traces").string();
  }
  return fallback;
}

}  // namespace tandem::load
