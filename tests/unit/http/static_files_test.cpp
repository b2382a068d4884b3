#include "http/static_files.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

namespace tandem::http {
namespace {

namespace fs = std::filesystem;

// A web root in a fresh temporary folder, with a secret file beside it.
class WebRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("tandem-static-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    fs::create_directories(base_ / "web" / "assets");
    write("web/index.html", "<!doctype html><title>page</title>");
    write("web/assets/index-Ab12Cd.js", "console.log(1)");
    write("web/assets/index-Ab12Cd.css", "body{}");
    write("web/logo.svg", "<svg/>");
    write("secret.txt", "do not serve");
    files_.emplace(StaticFilesOptions{.root = base_ / "web"});
  }
  void TearDown() override { fs::remove_all(base_); }

  void write(const std::string& relative, const std::string& text) { std::ofstream(base_ / relative) << text; }

  Response get(const std::string& path) {
    Request request;
    request.method = "GET";
    request.path = path;
    return files_->serve(request);
  }

  static std::string header(const Response& response, const std::string& name) {
    for (const auto& [key, value] : response.headers) {
      if (key == name) return value;
    }
    return "";
  }

  fs::path base_;
  std::optional<StaticFiles> files_;
};

TEST_F(WebRoot, ServesFilesWithTheirContentType) {
  auto script = get("/assets/index-Ab12Cd.js");
  EXPECT_EQ(script.status, 200u);
  EXPECT_EQ(script.body, "console.log(1)");
  EXPECT_EQ(script.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(get("/assets/index-Ab12Cd.css").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(get("/logo.svg").content_type, "image/svg+xml");
  EXPECT_EQ(get("/index.html").content_type, "text/html; charset=utf-8");
  EXPECT_EQ(StaticFiles::content_type("x.WOFF2"), "font/woff2");
  EXPECT_EQ(StaticFiles::content_type("x.bin"), "application/octet-stream");
}

TEST_F(WebRoot, HashedAssetsAreImmutableAndThePageIsRevalidated) {
  EXPECT_EQ(header(get("/assets/index-Ab12Cd.js"), "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(header(get("/"), "Cache-Control"), "no-cache");
  EXPECT_EQ(header(get("/logo.svg"), "Cache-Control"), "no-cache");
  EXPECT_NE(header(get("/"), "Content-Security-Policy").find("default-src 'self'"), std::string::npos);
}

TEST_F(WebRoot, ClientRoutesGetThePage) {
  for (std::string path : {"/", "/w/w_1", "/w/w_1/d/d_2", "/signin/"}) {
    auto response = get(path);
    EXPECT_EQ(response.status, 200u) << path;
    EXPECT_EQ(response.body, "<!doctype html><title>page</title>") << path;
  }
}

TEST_F(WebRoot, MissingFilesAndApiPathsAre404) {
  EXPECT_EQ(get("/assets/missing-1234.js").status, 404u);
  EXPECT_EQ(get("/favicon.ico").status, 404u);
  EXPECT_EQ(get("/v1/unknown").status, 404u);
  EXPECT_EQ(get("/api/unknown").status, 404u);
  EXPECT_EQ(get("/connection/other").status, 404u);
  EXPECT_EQ(get("/v1/unknown").content_type, "application/json");
}

TEST_F(WebRoot, NeverServesOutsideTheRoot) {
  for (std::string path : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                           "/assets/%2E%2E/%2e%2e/secret.txt", "/..%2fsecret.txt", "/..%5csecret.txt",
                           "/%00index.html", "/./index.html"}) {
    auto response = get(path);
    EXPECT_EQ(response.status, 404u) << path;
    EXPECT_EQ(response.body.find("do not serve"), std::string::npos) << path;
  }
}

TEST_F(WebRoot, SymbolicLinksLeavingTheRootAre404) {
  fs::create_symlink(base_ / "secret.txt", base_ / "web" / "linked.txt");
  auto response = get("/linked.txt");
  EXPECT_EQ(response.status, 404u);
  EXPECT_EQ(response.body.find("do not serve"), std::string::npos);
}

TEST(ApiPath, RecognizesReservedPrefixes) {
  EXPECT_TRUE(is_api_path("/v1/documents"));
  EXPECT_TRUE(is_api_path("/v1"));
  EXPECT_TRUE(is_api_path("/api/publish"));
  EXPECT_TRUE(is_api_path("/connection/websocket"));
  EXPECT_FALSE(is_api_path("/v1x"));
  EXPECT_FALSE(is_api_path("/w/w_1"));
}

}  // namespace
}  // namespace tandem::http
