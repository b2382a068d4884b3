#include "http/static_files.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <iterator>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace tandem::http {
namespace fs = std::filesystem;

namespace {

// Vite names built assets name-HASH.ext under assets/, so their content
// never changes under one name: browsers may keep them for a year. Every
// other file, index.html above all, is revalidated on each load.
constexpr std::string_view kHashedPrefix = "/assets/";
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kRevalidate = "no-cache";

struct TypeByExtension {
  std::string_view extension;
  std::string_view type;
};

constexpr std::array<TypeByExtension, 16> kTypes{{
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
}};

bool has_extension(std::string_view segment) { return segment.find('.') != std::string_view::npos; }

// Splits the decoded path into segments, refusing anything that could
// name a file outside the root or that a file system treats specially.
std::optional<std::vector<std::string>> safe_segments(std::string_view raw_path) {
  std::vector<std::string> segments;
  std::size_t start = 1;
  while (start <= raw_path.size()) {
    auto slash = raw_path.find('/', start);
    if (slash == std::string_view::npos) slash = raw_path.size();
    auto decoded = percent_decode(raw_path.substr(start, slash - start), false);
    if (!decoded) return std::nullopt;
    if (*decoded == "." || *decoded == ".." || decoded->find('/') != std::string::npos ||
        decoded->find('\\') != std::string::npos || decoded->find('\0') != std::string::npos) {
      return std::nullopt;
    }
    if (!decoded->empty()) segments.push_back(std::move(*decoded));
    start = slash + 1;
  }
  return segments;
}

}  // namespace

bool is_api_path(std::string_view path) {
  for (std::string_view prefix : {"/v1/", "/api/", "/connection/"}) {
    if (path.starts_with(prefix) || path == prefix.substr(0, prefix.size() - 1)) return true;
  }
  return false;
}

StaticFiles::StaticFiles(StaticFilesOptions options) : options_(std::move(options)) {
  std::error_code ec;
  canonical_root_ = fs::canonical(options_.root, ec);
  if (ec) canonical_root_ = options_.root;
}

std::string_view StaticFiles::content_type(std::string_view file_name) {
  auto dot = file_name.rfind('.');
  if (dot != std::string_view::npos) {
    std::string_view extension = file_name.substr(dot);
    for (const auto& entry : kTypes) {
      if (entry.extension.size() != extension.size()) continue;
      bool equal = true;
      for (std::size_t i = 0; i < extension.size() && equal; ++i) {
        equal = std::tolower(static_cast<unsigned char>(extension[i])) == entry.extension[i];
      }
      if (equal) return entry.type;
    }
  }
  return "application/octet-stream";
}

Response StaticFiles::serve(const Request& request) const {
  auto segments = safe_segments(request.path);
  if (!segments || is_api_path(request.path)) return not_found(request.path);

  fs::path candidate = canonical_root_;
  for (const std::string& segment : *segments) candidate /= segment;

  // A client route (no extension in the last segment) that is not a file
  // gets the page itself; the page's router reads the path.
  std::error_code ec;
  bool client_route = segments->empty() || !has_extension(segments->back());
  if (!fs::is_regular_file(candidate, ec)) {
    if (!client_route) return not_found(request.path);
    return file_response(canonical_root_ / "index.html", true);
  }

  // Symbolic links may point anywhere; only targets inside the root count.
  fs::path resolved = fs::canonical(candidate, ec);
  if (ec) return not_found(request.path);
  auto [root_end, ignored] = std::mismatch(canonical_root_.begin(), canonical_root_.end(), resolved.begin(),
                                           resolved.end());
  if (root_end != canonical_root_.end()) return not_found(request.path);
  return file_response(resolved, resolved.filename() == "index.html");
}

Response StaticFiles::file_response(const fs::path& file, bool is_index) const {
  std::error_code ec;
  auto size = fs::file_size(file, ec);
  if (ec || size > options_.max_file_bytes) return not_found(file.filename().string());
  std::ifstream stream(file, std::ios::binary);
  if (!stream) return not_found(file.filename().string());

  Response response;
  response.body.assign(std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>());
  response.content_type = std::string(content_type(file.filename().string()));
  std::string relative = file.lexically_relative(canonical_root_).generic_string();
  bool hashed = !is_index && ("/" + relative).starts_with(kHashedPrefix);
  response.headers.emplace_back("Cache-Control", std::string(hashed ? kImmutable : kRevalidate));
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (is_index) {
    // The page loads only its own scripts and styles and talks only to this
    // server (REST and WebSocket).
    response.headers.emplace_back("Content-Security-Policy",
                                  "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
                                  "style-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'");
    response.headers.emplace_back("Referrer-Policy", "no-referrer");
  }
  return response;
}

Response StaticFiles::not_found(std::string_view path) const {
  return error_response({ErrorCode::not_found, fmt::format("no file or route for {}", path.substr(0, 200)),
                         std::nullopt});
}

}  // namespace tandem::http
