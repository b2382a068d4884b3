#include "config/secret.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/ids.h"

namespace tandem::config {

Result<std::string> load_or_create_secret(const std::string& data_dir, bool create, bool& created) {
  created = false;
  std::string path = (std::filesystem::path(data_dir) / "jwt-secret").string();

  std::ifstream existing(path);
  if (existing) {
    std::stringstream text;
    text << existing.rdbuf();
    std::string secret = text.str();
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
    if (secret.size() < 16) {
      return fail(ErrorCode::internal,
                  fmt::format("secret file {} holds fewer than 16 characters; delete it to generate a new one", path));
    }
    return secret;
  }
  if (!create) {
    return fail(ErrorCode::not_found,
                fmt::format("no secret file {}; start the server once or pass --secret", path));
  }

  std::string secret = random_hex(32);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, S_IRUSR | S_IWUSR);
  if (fd < 0) {
    return fail(ErrorCode::internal, fmt::format("cannot create secret file {}: {}", path, std::strerror(errno)));
  }
  std::string line = secret + "\n";
  bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    std::filesystem::remove(path);
    return fail(ErrorCode::internal, fmt::format("cannot write secret file {}", path));
  }
  created = true;
  return secret;
}

}  // namespace tandem::config
