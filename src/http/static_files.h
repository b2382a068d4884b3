// Serves the built web client (a folder of static files) for GET requests
// that no API route matches. Paths that look like client routes (no file
// extension) get index.html, so a reload of /w/{ws}/d/{doc} opens the page.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "http/request.h"
#include "http/response.h"

namespace tandem::http {

struct StaticFilesOptions {
  std::filesystem::path root;                   // folder with index.html; must exist
  std::size_t max_file_bytes = 32u << 20;       // larger files get 404, bytes
};

class StaticFiles {
 public:
  explicit StaticFiles(StaticFilesOptions options);

  // The response for a GET of `request.path` (still percent-encoded).
  // Thread-safe: reads the file system only. Never serves anything outside
  // the root: `..`, `.`, backslashes, NUL bytes and symbolic links that
  // leave the root all get 404.
  Response serve(const Request& request) const;

  // The Content-Type for a file name, by extension; unknown ones are
  // application/octet-stream.
  static std::string_view content_type(std::string_view file_name);

 private:
  Response file_response(const std::filesystem::path& file, bool is_index) const;
  Response not_found(std::string_view path) const;

  StaticFilesOptions options_;
  std::filesystem::path canonical_root_;
};

// True when `path` belongs to the API or the WebSocket endpoint, which
// never fall back to the web client.
bool is_api_path(std::string_view path);

}  // namespace tandem::http
