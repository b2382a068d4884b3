#include "server_process.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <thread>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace tandem::load {

namespace {

int exit_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

ServerProcess::~ServerProcess() {
  if (pid_ > 0) kill_hard();
}

std::string ServerProcess::spawn() {
  if (pid_ > 0) return "the server is already running";
  int log = ::open(spec_.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) return "cannot open the server log " + spec_.log_path + ": " + std::strerror(errno);
  struct stat st {};
  log_offset_ = ::fstat(log, &st) == 0 ? static_cast<long>(st.st_size) : 0;
  port_ = 0;

  std::vector<std::string> args = {spec_.binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", spec_.data_dir,
                                   "--secret", spec_.secret};
  if (!spec_.api_key.empty()) {
    args.push_back("--api-key");
    args.push_back(spec_.api_key);
  }
  args.insert(args.end(), spec_.extra_args.begin(), spec_.extra_args.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t child = ::fork();
  if (child < 0) {
    ::close(log);
    return std::string("fork failed: ") + std::strerror(errno);
  }
  if (child == 0) {
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    std::fprintf(stderr, "cannot run %s: %s\n", argv[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(log);
  pid_ = child;
  return "";
}

int ServerProcess::poll_port() {
  if (pid_ <= 0) return -1;
  if (port_ != 0) return port_;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return -1;
  }
  std::ifstream log(spec_.log_path);
  log.seekg(log_offset_);
  const std::string marker = "listening on http://127.0.0.1:";
  for (std::string line; std::getline(log, line);) {
    if (auto at = line.find(marker); at != std::string::npos) {
      port_ = static_cast<std::uint16_t>(std::atoi(line.c_str() + at + marker.size()));
      return port_;
    }
  }
  return 0;
}

void ServerProcess::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  port_ = 0;
}

int ServerProcess::stop(int timeout_s) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      port_ = 0;
      return exit_status(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  port_ = 0;
  return exit_status(status);
}

}  // namespace tandem::load
