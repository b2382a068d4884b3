#include "http/router.h"

#include <gtest/gtest.h>

namespace tandem::http {
namespace {

Router make_router() {
  Router router;
  router.add("GET", "/v1/documents/{id}", [](Request& r) { return Response{200, "get " + r.params["id"]}; });
  router.add("PATCH", "/v1/documents/{id}", [](Request& r) { return Response{200, "patch " + r.params["id"]}; });
  router.add("PUT", "/v1/workspaces/{ws}/members/{user}",
             [](Request& r) { return Response{200, r.params["ws"] + "/" + r.params["user"]}; });
  return router;
}

// Runs an asynchronous handler that completes at once and returns its response.
Response call(const AsyncHandler& handler, Request& r) {
  Response result;
  handler(r, [&result](Response response) { result = std::move(response); });
  return result;
}

Request request(std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

TEST(Router, MatchesAndCapturesParameters) {
  Router router = make_router();
  Request r = request("PUT", "/v1/workspaces/w_1/members/u%20x");
  auto match = router.match(r);
  ASSERT_NE(match.handler, nullptr);
  EXPECT_EQ(match.route, "/v1/workspaces/{ws}/members/{user}");
  EXPECT_EQ(call(*match.handler, r).body, "w_1/u x");
}

TEST(Router, DistinguishesMethods) {
  Router router = make_router();
  Request r = request("PATCH", "/v1/documents/d_9");
  auto match = router.match(r);
  ASSERT_NE(match.handler, nullptr);
  EXPECT_EQ(call(*match.handler, r).body, "patch d_9");
}

TEST(Router, ReportsKnownPathWithWrongMethod) {
  Router router = make_router();
  Request r = request("POST", "/v1/documents/d_9");
  auto match = router.match(r);
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_TRUE(match.path_known);
}

TEST(Router, RejectsUnknownAndEmptySegments) {
  Router router = make_router();
  for (std::string path : {"/v1/documents", "/v1/documents/", "/v1/documents/a/b", "/v2/documents/a", "/"}) {
    Request r = request("GET", path);
    auto match = router.match(r);
    EXPECT_EQ(match.handler, nullptr) << path;
    EXPECT_FALSE(match.path_known) << path;
  }
}

TEST(Router, RejectsMalformedEscapeInParameter) {
  Router router = make_router();
  Request r = request("GET", "/v1/documents/%zz");
  EXPECT_EQ(router.match(r).handler, nullptr);
}

TEST(Router, FallbackTakesUnmatchedPathsOfItsMethodOnly) {
  Router router = make_router();
  router.set_fallback("GET", "static", [](Request& r) { return Response{200, "file " + r.path}; });

  Request page = request("GET", "/w/w_1/d/d_2");
  auto match = router.match(page);
  ASSERT_NE(match.handler, nullptr);
  EXPECT_EQ(match.route, "static");
  EXPECT_EQ(call(*match.handler, page).body, "file /w/w_1/d/d_2");

  Request routed = request("GET", "/v1/documents/d_1");
  EXPECT_EQ(router.match(routed).route, "/v1/documents/{id}");

  // A known path with another method stays a 405, not a file.
  Request wrong_method = request("DELETE", "/v1/documents/d_1");
  auto refused = router.match(wrong_method);
  EXPECT_EQ(refused.handler, nullptr);
  EXPECT_TRUE(refused.path_known);

  Request post = request("POST", "/index.html");
  EXPECT_EQ(router.match(post).handler, nullptr);
}

TEST(Query, DecodesPairs) {
  auto query = parse_query("q=hello+world&tag=%F0%9F%98%80&empty=&flag&q=second");
  ASSERT_TRUE(query.has_value());
  EXPECT_EQ(query->at("q"), "hello world");
  EXPECT_EQ(query->at("tag"), "\xF0\x9F\x98\x80");
  EXPECT_EQ(query->at("empty"), "");
  EXPECT_EQ(query->at("flag"), "");
}

TEST(Query, RejectsMalformedEscapes) {
  for (std::string_view text : {"q=%", "q=%4", "q=%G0", "%zz=1"}) {
    EXPECT_FALSE(parse_query(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace tandem::http
