// Figures about a process from /proc, for the load tools: CPU time, resident
// memory and the time its threads waited for a CPU.
#pragma once

#include <string>

namespace tandem::bench {

struct ProcessSample {
  double cpu_s = 0;       // user + system time
  long rss_kb = 0;
  double run_wait_s = 0;  // time the threads were runnable but waited for a CPU (schedstat)
};

// Returns the figures of `pid`, or zeros when pid <= 0 or the process is gone.
ProcessSample sample_process(int pid);

// Returns the first line of /proc/loadavg with its newline.
std::string load_average();

}  // namespace tandem::bench
