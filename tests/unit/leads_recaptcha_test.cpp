// reCAPTCHA verification against a fake HTTP client: what is sent to Google,
// and how each kind of answer is judged.
#include <deque>

#include <gtest/gtest.h>

#include "integrations/http_client.h"
#include "leads/recaptcha_verifier.h"

namespace iv::leads {
namespace {

class FakeHttp : public integrations::HttpClient {
 public:
  std::deque<std::expected<integrations::HttpResponse, integrations::TransportError>> answers;
  std::vector<integrations::HttpRequest> requests;
  std::expected<integrations::HttpResponse, integrations::TransportError> send(
      const integrations::HttpRequest& request) override {
    requests.push_back(request);
    auto answer = answers.front();
    answers.pop_front();
    return answer;
  }
};

integrations::HttpResponse json(int status, std::string body) {
  return {.status = status, .headers = {{"content-type", "application/json"}}, .body = std::move(body)};
}

TEST(Recaptcha, PostsSecretTokenAndAddressFormEncoded) {
  FakeHttp http;
  http.answers.push_back(json(200, R"({"success": true, "hostname": "indivillage.com"})"));
  RecaptchaVerifier verifier({.secret = "s3cr&t=1", .verify_url = "http://127.0.0.1:9/siteverify"}, http);
  EXPECT_TRUE(verifier.configured());
  EXPECT_EQ(verifier.verify("tok en+/", "203.0.113.9"), RecaptchaVerifier::Verdict::passed);
  ASSERT_EQ(http.requests.size(), 1u);
  const auto& sent = http.requests[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, "http://127.0.0.1:9/siteverify");
  EXPECT_EQ(sent.body, "secret=s3cr%26t%3D1&response=tok+en%2B%2F&remoteip=203.0.113.9");
}

TEST(Recaptcha, JudgesEveryKindOfAnswer) {
  FakeHttp http;
  RecaptchaVerifier verifier({.secret = "secret"}, http);
  http.answers.push_back(json(200, R"({"success": false, "error-codes": ["invalid-input-response"]})"));
  EXPECT_EQ(verifier.verify("token", ""), RecaptchaVerifier::Verdict::failed);
  http.answers.push_back(json(500, "oops"));
  EXPECT_EQ(verifier.verify("token", ""), RecaptchaVerifier::Verdict::unavailable);
  http.answers.push_back(std::unexpected(integrations::TransportError{"connect timeout", true}));
  EXPECT_EQ(verifier.verify("token", ""), RecaptchaVerifier::Verdict::unavailable);
  http.answers.push_back(json(200, "not json"));
  EXPECT_EQ(verifier.verify("token", ""), RecaptchaVerifier::Verdict::unavailable);
  EXPECT_EQ(verifier.verify("", ""), RecaptchaVerifier::Verdict::failed) << "no call for an empty token";
  EXPECT_EQ(http.requests.size(), 4u);
  EXPECT_FALSE(RecaptchaVerifier({}, http).configured());
}

}  // namespace
}  // namespace iv::leads
