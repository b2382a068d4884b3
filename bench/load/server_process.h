// The tandem server as a child process of the load tool: started on
// 127.0.0.1 with a data directory, killed with SIGKILL and restarted on the
// same directory in chaos mode, stopped with SIGTERM at the end.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <sys/types.h>

namespace tandem::load {

struct ServerSpec {
  std::string binary;
  std::string data_dir;
  std::string secret;
  std::string api_key;
  std::string log_path;                 // stdout and stderr of every run, appended
  std::vector<std::string> extra_args;  // passed after `serve`
};

class ServerProcess {
 public:
  explicit ServerProcess(ServerSpec spec) : spec_(std::move(spec)) {}
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts the process on port 0 (the server picks a free port). Returns an
  // error message, or "" on success; then poll_port() finds the port.
  std::string spawn();

  // Returns the port once the log shows that the server listens, else 0. Fails
  // (returns -1) when the process has exited.
  int poll_port();

  // SIGKILL and reap: the crash chaos mode simulates.
  void kill_hard();

  // SIGTERM, wait up to `timeout_s`, then SIGKILL. Returns the exit status
  // (128 + signal when killed), or -1 when it was not running.
  int stop(int timeout_s);

  pid_t pid() const { return pid_; }
  std::uint16_t port() const { return port_; }

 private:
  ServerSpec spec_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  long log_offset_ = 0;  // where this run's output starts in the log
};

}  // namespace tandem::load
