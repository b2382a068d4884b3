// Keystrokes from recorded editing traces (gzipped JSON, see the traces'
// README): each patch becomes one keystroke relative to the typist's caret,
// with the recorded pause before it where the trace has real timestamps.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tandem::load {

// Delete `erase` UTF-16 units before the caret, then insert `text` there.
struct Keystroke {
  std::int32_t delay_ms = -1;  // recorded pause before it; -1 when the trace has no timing
  std::int32_t erase = 0;
  std::string text;
};

struct Trace {
  std::string name;
  std::vector<Keystroke> keys;
  std::vector<std::string> words;  // words of the final text, for search queries
};

// Reads every *.json.gz trace in `dir` except the *.ascii variants, at most
// `max_keys` keystrokes each. Throws std::runtime_error naming the file when
// one cannot be read, or when the folder contains none.
std::vector<Trace> load_traces(const std::string& dir, std::size_t max_keys);

// Returns the default traces folder: $TANDEM_TRACES_DIR, else
// $TANDEM_SOURCE_DIR/../shared/data/editing-traces, else `fallback`.
std::string default_traces_dir(const std::string& fallback);

}  // namespace tandem::load
