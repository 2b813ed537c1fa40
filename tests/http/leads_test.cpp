// Lead capture against the real binary: the HTML forms (token, cookie,
// Origin, post-redirect-get, 422 with values kept, CSRF 403, honeypot, fill
// time, rate limit 429, escaping) and the JSON API (201, 422, 415, 429,
// Idempotency-Key, the challenge endpoint, oversize bodies).
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <regex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "harness.h"

namespace iv::test {
namespace {

namespace json = boost::json;

// --- SHA-256 (FIPS 180-4), to solve proof-of-work challenges like a browser --

std::string sha256_hex(std::string_view message) {
  static constexpr std::array<std::uint32_t, 64> k = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
      0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
      0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
      0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
      0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
      0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
      0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
  std::array<std::uint32_t, 8> h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  const auto rotr = [](std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); };
  std::string data(message);
  const std::uint64_t bit_length = static_cast<std::uint64_t>(message.size()) * 8;
  data.push_back(static_cast<char>(0x80));
  while (data.size() % 64 != 56) data.push_back('\0');
  for (int i = 7; i >= 0; --i) data.push_back(static_cast<char>((bit_length >> (i * 8)) & 0xff));
  for (std::size_t block = 0; block < data.size(); block += 64) {
    std::array<std::uint32_t, 64> w{};
    for (int i = 0; i < 16; ++i) {
      w[i] = 0;
      for (int b = 0; b < 4; ++b) w[i] = (w[i] << 8) | static_cast<unsigned char>(data[block + i * 4 + b]);
    }
    for (int i = 16; i < 64; ++i) {
      const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    auto [a, b, c, d, e, f, g, hh] = h;
    for (int i = 0; i < 64; ++i) {
      const std::uint32_t t1 =
          hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      const std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      hh = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    const std::array<std::uint32_t, 8> add = {a, b, c, d, e, f, g, hh};
    for (int i = 0; i < 8; ++i) h[i] += add[i];
  }
  char hex[65];
  for (int i = 0; i < 8; ++i) std::snprintf(hex + i * 8, 9, "%08x", h[i]);
  return std::string(hex, 64);
}

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const std::uint32_t n = (static_cast<unsigned char>(in[i]) << 16) |
                            (static_cast<unsigned char>(in[i + 1]) << 8) |
                            static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(n >> s) & 63]);
  }
  if (i + 1 == in.size()) {
    const std::uint32_t n = static_cast<unsigned char>(in[i]) << 16;
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const std::uint32_t n =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
  }
  return out;
}

TEST(LeadsHttpHelpers, Sha256MatchesKnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(base64("ab"), "YWI=");
}

// --- HTTP helpers ---------------------------------------------------------------

std::string form_encode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '_' || c == '.') {
      out.push_back(c);
    } else {
      out += {'%', kHex[byte >> 4], kHex[byte & 15]};
    }
  }
  return out;
}

std::string form_body(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    if (!body.empty()) body += '&';
    body += form_encode(name) + "=" + form_encode(value);
  }
  return body;
}

// Environment for a server whose forms can be posted at once.
ServerOptions quick_forms(std::vector<std::pair<std::string, std::string>> extra = {}) {
  ServerOptions options;
  options.env = {{"FORM_MIN_FILL_MS", "0"}, {"CHALLENGE_MAX_NUMBER", "50"}, {"WORKER_THREADS", "1"}};
  for (auto& entry : extra) options.env.push_back(std::move(entry));
  return options;
}

// A browser session on one form: its cookie and token.
struct FormSession {
  std::string cookie;  // "iv_csrf=..."
  std::string token;
};

FormSession open_form(std::uint16_t port, std::string_view path) {
  const auto page = get(port, path);
  EXPECT_TRUE(page);
  if (!page) return {};
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->header("cache-control"), "no-store");
  FormSession session;
  const auto set_cookie = page->header("set-cookie");
  EXPECT_TRUE(set_cookie);
  if (set_cookie) session.cookie = set_cookie->substr(0, set_cookie->find(';'));
  std::smatch match;
  static const std::regex token(R"re(name="csrf_token" value="([^"]+)")re");
  EXPECT_TRUE(std::regex_search(page->body, match, token));
  if (!match.empty()) session.token = match[1];
  return session;
}

std::string origin(std::uint16_t port) {
  return "http://127.0.0.1:" + std::to_string(port);
}

std::optional<HttpResponse> post_form(std::uint16_t port, std::string_view path, const FormSession& session,
                                      std::vector<std::pair<std::string, std::string>> fields,
                                      std::vector<std::string> headers = {}) {
  fields.emplace_back("csrf_token", session.token);
  headers.push_back("Content-Type: application/x-www-form-urlencoded");
  if (!session.cookie.empty()) headers.push_back("Cookie: " + session.cookie);
  if (std::none_of(headers.begin(), headers.end(),
                   [](const std::string& h) { return h.starts_with("Origin:"); })) {
    headers.push_back("Origin: " + origin(port));
  }
  return request(port, "POST", path, headers, form_body(fields));
}

std::vector<std::pair<std::string, std::string>> contact_form(std::string name = "Ada Lovelace",
                                                              std::string email = "ada@example.com") {
  return {{"name", std::move(name)},
          {"email", std::move(email)},
          {"company", ""},
          {"phone", ""},
          {"message", "We need ten thousand images labelled."},
          {"consent", "yes"},
          {"website", ""},
          {"altcha", ""}};
}

// leads_stored_total from /metrics.
double stored_leads(std::uint16_t port) {
  const auto metrics = get(port, "/metrics");
  if (!metrics) return -1;
  std::smatch match;
  static const std::regex line(R"((^|\n)leads_stored_total ([0-9.]+))");
  if (!std::regex_search(metrics->body, match, line)) return 0;
  return std::stod(match[2]);
}

// Fetches a challenge and solves it by brute force.
std::string solved_challenge(std::uint16_t port) {
  const auto answer = get(port, "/api/v1/challenge");
  EXPECT_TRUE(answer);
  if (!answer) return {};
  const auto challenge = json::parse(answer->body).as_object();
  const std::string salt(challenge.at("salt").as_string());
  const std::string target(challenge.at("challenge").as_string());
  const std::int64_t max = challenge.at("maxnumber").as_int64();
  for (std::int64_t n = 0; n <= max; ++n) {
    if (sha256_hex(salt + std::to_string(n)) != target) continue;
    json::object payload{{"algorithm", challenge.at("algorithm")},
                         {"challenge", target},
                         {"number", n},
                         {"salt", salt},
                         {"signature", challenge.at("signature")}};
    return base64(json::serialize(payload));
  }
  ADD_FAILURE() << "challenge not solvable within maxnumber";
  return {};
}

std::optional<HttpResponse> post_json(std::uint16_t port, std::string_view path, const json::object& body,
                                      std::vector<std::string> headers = {}) {
  headers.push_back("Content-Type: application/json");
  return request(port, "POST", path, headers, json::serialize(body));
}

json::object api_contact(std::uint16_t port, std::string email = "grace@example.com") {
  return {{"name", "Grace Hopper"},
          {"email", std::move(email)},
          {"message", "Please call me about document digitisation."},
          {"consent", true},
          {"altcha", solved_challenge(port)}};
}

// --- forms ----------------------------------------------------------------------

TEST(LeadForms, PostRedirectGetToTheThankYouPage) {
  ServerProcess server(quick_forms());
  const auto session = open_form(server.port(), "/contact");
  ASSERT_FALSE(session.token.empty());
  EXPECT_NE(session.cookie.find("iv_csrf="), std::string::npos);

  const auto posted = post_form(server.port(), "/contact", session, contact_form());
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 303) << posted->body;
  const auto location = posted->header("location").value_or("");
  std::smatch match;
  ASSERT_TRUE(std::regex_match(location, match, std::regex(R"(/contact/thanks\?id=([a-z2-7]{26}))")))
      << location;
  EXPECT_EQ(stored_leads(server.port()), 1);

  const auto thanks = get(server.port(), location);
  ASSERT_TRUE(thanks);
  EXPECT_EQ(thanks->status, 200);
  EXPECT_NE(thanks->body.find(match[1].str()), std::string::npos);
  EXPECT_NE(thanks->body.find("<meta name=\"robots\" content=\"noindex\">"), std::string::npos);

  // The receipt is readable by id, without personal data.
  const auto receipt = get(server.port(), "/api/v1/leads/" + match[1].str());
  ASSERT_TRUE(receipt);
  EXPECT_EQ(receipt->status, 200);
  EXPECT_EQ(receipt->body.find("Ada"), std::string::npos);
}

TEST(LeadForms, EachKindAcceptsItsFields) {
  ServerProcess server(quick_forms({{"RATE_LIMIT_NO_CHALLENGE_BURST", "10"}}));
  auto demo = contact_form();
  demo.push_back({"company", "ACME"});
  demo.push_back({"company_size", "50-249"});
  demo.push_back({"services", "data-annotation"});
  demo.push_back({"preferred_dates", "Tuesdays"});
  std::erase_if(demo, [](const auto& f) { return f.first == "company" && f.second.empty(); });
  const auto demo_posted = post_form(server.port(), "/demo", open_form(server.port(), "/demo"), demo);
  ASSERT_TRUE(demo_posted);
  EXPECT_EQ(demo_posted->status, 303) << demo_posted->body.substr(0, 300);
  EXPECT_TRUE(demo_posted->header("location").value_or("").starts_with("/demo/thanks?id="));

  auto quote = demo;
  std::erase_if(quote,
                [](const auto& f) { return f.first == "company_size" || f.first == "preferred_dates"; });
  quote.push_back({"services", "data-curation"});
  quote.push_back({"data_type", "images"});
  quote.push_back({"budget_range", "10k-50k"});
  const auto quote_posted = post_form(server.port(), "/quote", open_form(server.port(), "/quote"), quote);
  ASSERT_TRUE(quote_posted);
  EXPECT_EQ(quote_posted->status, 303);
  EXPECT_EQ(stored_leads(server.port()), 2);
}

TEST(LeadForms, InvalidInputComesBackWithValuesErrorsAndEscaping) {
  ServerProcess server(quick_forms());
  const auto session = open_form(server.port(), "/contact");
  const std::string xss = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>";
  auto fields = contact_form(xss, "not-an-email");
  std::erase_if(fields, [](const auto& f) { return f.first == "consent"; });
  fields.push_back({"company", "O'Brien & \"Sons\""});
  const auto answer = post_form(server.port(), "/contact", session, fields);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 422);
  const std::string& page = answer->body;
  EXPECT_EQ(page.find("<script>alert"), std::string::npos);
  EXPECT_EQ(page.find("<img src=x"), std::string::npos);
  EXPECT_NE(
      page.find(
          "&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"),
      std::string::npos)
      << "the name is shown again, escaped";
  EXPECT_NE(page.find("value=\"not-an-email\""), std::string::npos);
  EXPECT_NE(page.find("aria-describedby=\"field-email-error\""), std::string::npos);
  EXPECT_NE(page.find("id=\"field-email-error\">Enter an email address like name@company.com.</p>"),
            std::string::npos);
  EXPECT_NE(page.find("aria-invalid=\"true\""), std::string::npos);
  EXPECT_NE(page.find("<a href=\"#field-email\">"), std::string::npos) << "the summary links to the field";
  EXPECT_NE(page.find("<a href=\"#field-consent\">"), std::string::npos);
  EXPECT_NE(page.find("id=\"form-errors\""), std::string::npos);
  // The same token is kept, so the visitor can correct and resend at once.
  EXPECT_NE(page.find("value=\"" + session.token + "\""), std::string::npos);
  EXPECT_EQ(stored_leads(server.port()), 0);
}

TEST(LeadForms, CsrfFailuresAre403AndStoreNothing) {
  ServerProcess server(quick_forms());
  const auto session = open_form(server.port(), "/contact");
  FormSession no_token = session;
  no_token.token.clear();
  FormSession no_cookie = session;
  no_cookie.cookie.clear();
  FormSession tampered = session;
  tampered.token.back() = tampered.token.back() == 'A' ? 'B' : 'A';
  for (const auto& [what, attempt, headers] :
       std::vector<std::tuple<std::string, FormSession, std::vector<std::string>>>{
           {"no token", no_token, {}},
           {"no cookie", no_cookie, {}},
           {"tampered token", tampered, {}},
           {"foreign origin", session, {"Origin: https://evil.example"}},
           {"foreign referer", session, {"Origin: null", "Referer: https://evil.example/form"}}}) {
    const auto answer = post_form(server.port(), "/contact", attempt, contact_form(), headers);
    ASSERT_TRUE(answer) << what;
    EXPECT_EQ(answer->status, 403) << what;
    EXPECT_NE(answer->body.find("Please send the form again"), std::string::npos) << what;
    EXPECT_NE(answer->body.find("value=\"Ada Lovelace\""), std::string::npos) << what << ": values kept";
  }
  EXPECT_EQ(stored_leads(server.port()), 0);
}

TEST(LeadForms, HoneypotPretendsSuccessButStoresNothing) {
  ServerProcess server(quick_forms());
  auto fields = contact_form();
  std::erase_if(fields, [](const auto& f) { return f.first == "website"; });
  fields.push_back({"website", "http://spam.example"});
  const auto answer = post_form(server.port(), "/contact", open_form(server.port(), "/contact"), fields);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 303);
  EXPECT_EQ(answer->header("location"), "/contact/thanks");
  EXPECT_EQ(stored_leads(server.port()), 0);
  // The page marks the trap for people and assistive technology.
  const auto page = get(server.port(), "/contact");
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("<div class=\"visually-hidden\" aria-hidden=\"true\">"), std::string::npos);
  EXPECT_NE(page->body.find("name=\"website\" value=\"\" tabindex=\"-1\" autocomplete=\"off\""),
            std::string::npos);
}

TEST(LeadForms, TooFastIsAskedToTakeAMoment) {
  ServerProcess server(ServerOptions{.env = {{"FORM_MIN_FILL_MS", "3000"}}});
  const auto answer =
      post_form(server.port(), "/contact", open_form(server.port(), "/contact"), contact_form());
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 422);
  EXPECT_NE(answer->body.find("Please take a moment"), std::string::npos);
  EXPECT_NE(answer->body.find("value=\"Ada Lovelace\""), std::string::npos);
  EXPECT_EQ(stored_leads(server.port()), 0);
}

TEST(LeadForms, NoJavaScriptSubmissionsHaveAStricterRateLimit) {
  ServerProcess server(quick_forms({{"RATE_LIMIT_NO_CHALLENGE_BURST", "2"}}));
  for (int i = 0; i < 2; ++i) {
    const auto ok =
        post_form(server.port(), "/contact", open_form(server.port(), "/contact"),
                  contact_form("Visitor " + std::to_string(i), "v" + std::to_string(i) + "@example.com"));
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 303);
  }
  const auto limited =
      post_form(server.port(), "/contact", open_form(server.port(), "/contact"), contact_form());
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429);
  const int retry_after = std::stoi(limited->header("retry-after").value_or("0"));
  EXPECT_GE(retry_after, 1);
  EXPECT_NE(limited->body.find("Please try again later"), std::string::npos);
  EXPECT_NE(limited->body.find("value=\"Ada Lovelace\""), std::string::npos);
  EXPECT_EQ(stored_leads(server.port()), 2);
}

TEST(LeadForms, OversizeAndWronglyEncodedBodiesAreRefused) {
  ServerProcess server(quick_forms());
  const auto session = open_form(server.port(), "/contact");
  auto long_message = contact_form();
  long_message[4].second = std::string(5001, 'm');
  const auto too_long = post_form(server.port(), "/contact", session, long_message);
  ASSERT_TRUE(too_long);
  EXPECT_EQ(too_long->status, 422);
  EXPECT_NE(too_long->body.find("Use at most 5000 characters (you entered 5001)."), std::string::npos);
  auto huge = contact_form();
  huge[4].second = std::string(70 * 1024, 'm');
  const auto too_big = post_form(server.port(), "/contact", session, huge);
  ASSERT_TRUE(too_big);
  EXPECT_EQ(too_big->status, 413);
  const auto multipart = request(
      server.port(), "POST", "/contact",
      {"Content-Type: multipart/form-data; boundary=x", "Origin: " + origin(server.port())}, "--x--\r\n");
  ASSERT_TRUE(multipart);
  EXPECT_EQ(multipart->status, 415);
  EXPECT_EQ(stored_leads(server.port()), 0);
}

TEST(LeadForms, ThankYouPageShowsOnlyWellFormedReferences) {
  ServerProcess server(quick_forms());
  const auto page = get(server.port(), "/quote/thanks?id=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->body.find("<script>alert"), std::string::npos);
  EXPECT_EQ(page->body.find("Your reference"), std::string::npos);
}

// --- API ---------------------------------------------------------------------------

TEST(LeadApi, ChallengeIsFreshAndNotCached) {
  ServerProcess server(quick_forms());
  const auto first = get(server.port(), "/api/v1/challenge");
  const auto second = get(server.port(), "/api/v1/challenge");
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->header("cache-control"), "no-store");
  const auto a = json::parse(first->body).as_object();
  const auto b = json::parse(second->body).as_object();
  for (const char* field : {"algorithm", "challenge", "salt", "signature", "maxnumber"})
    EXPECT_TRUE(a.contains(field));
  EXPECT_EQ(a.at("algorithm"), "SHA-256");
  EXPECT_EQ(a.at("maxnumber").as_int64(), 50);
  EXPECT_NE(a.at("salt"), b.at("salt"));
}

TEST(LeadApi, CreatedAfterCommitWithLocation) {
  ServerProcess server(quick_forms());
  const auto answer = post_json(server.port(), "/api/v1/contact", api_contact(server.port()));
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->status, 201) << answer->body;
  const auto body = json::parse(answer->body).as_object();
  const std::string id(body.at("id").as_string());
  EXPECT_EQ(id.size(), 26u);
  EXPECT_EQ(answer->header("location"), "/api/v1/leads/" + id);
  EXPECT_EQ(stored_leads(server.port()), 1);
  const auto receipt = get(server.port(), "/api/v1/leads/" + id);
  ASSERT_TRUE(receipt);
  EXPECT_EQ(json::parse(receipt->body).at("kind"), "contact");
  EXPECT_EQ(get(server.port(), "/api/v1/leads/aaaaaaaaaaaaaaaaaaaaaaaaaa")->status, 404);
}

TEST(LeadApi, ChallengeIsRequiredAndSingleUse) {
  ServerProcess server(quick_forms());
  auto body = api_contact(server.port());
  const auto first = post_json(server.port(), "/api/v1/contact", body);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 201);
  body["email"] = "other@example.com";
  const auto replay = post_json(server.port(), "/api/v1/contact", body);
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->status, 422);
  EXPECT_NE(replay->body.find("challenge-failed"), std::string::npos);
  body.erase("altcha");
  const auto missing = post_json(server.port(), "/api/v1/contact", body);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 422);
  EXPECT_NE(missing->body.find("\"field\":\"altcha\""), std::string::npos);
  EXPECT_EQ(stored_leads(server.port()), 1);
}

TEST(LeadApi, InvalidFieldsAre422ProblemsWithFieldErrors) {
  ServerProcess server(quick_forms());
  const json::object body{
      {"name", "X"},      {"email", "nope"},  {"services", json::array{"data-annotation"}},
      {"consent", "yes"}, {"colour", "blue"}, {"altcha", "irrelevant"}};
  const auto answer = post_json(server.port(), "/api/v1/contact", body);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 422);
  EXPECT_EQ(answer->header("content-type"), "application/problem+json");
  const auto problem = json::parse(answer->body).as_object();
  std::vector<std::string> fields;
  for (const auto& error : problem.at("errors").as_array()) {
    fields.emplace_back(error.at("field").as_string());
    EXPECT_FALSE(error.at("message").as_string().empty());
  }
  std::sort(fields.begin(), fields.end());
  EXPECT_EQ(fields, (std::vector<std::string>{"colour", "consent", "email", "message", "name", "services"}));
}

TEST(LeadApi, WrongMediaTypeMalformedJsonAndOversize) {
  ServerProcess server(quick_forms());
  const auto text = request(server.port(), "POST", "/api/v1/contact", {"Content-Type: text/plain"}, "{}");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->status, 415);
  EXPECT_EQ(text->header("content-type"), "application/problem+json");
  const auto broken =
      request(server.port(), "POST", "/api/v1/contact", {"Content-Type: application/json"}, "{\"name\":");
  ASSERT_TRUE(broken);
  EXPECT_EQ(broken->status, 400);
  const auto bad_utf8 = request(server.port(), "POST", "/api/v1/contact", {"Content-Type: application/json"},
                                "{\"name\":\"\xff\xfe\"}");
  ASSERT_TRUE(bad_utf8);
  EXPECT_EQ(bad_utf8->status, 400);
  const auto huge = request(server.port(), "POST", "/api/v1/contact", {"Content-Type: application/json"},
                            "{\"message\":\"" + std::string(70 * 1024, 'm') + "\"}");
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->status, 413);
}

TEST(LeadApi, RateLimitedPerEmailWithRetryAfter) {
  ServerProcess server(quick_forms({{"RATE_LIMIT_EMAIL_BURST", "2"}}));
  for (int i = 0; i < 2; ++i) {
    const auto ok =
        post_json(server.port(), "/api/v1/contact", api_contact(server.port(), "same@example.com"));
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 201);
  }
  const auto limited =
      post_json(server.port(), "/api/v1/contact", api_contact(server.port(), "SAME@example.com"));
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429);
  EXPECT_GE(std::stoi(limited->header("retry-after").value_or("0")), 1);
  EXPECT_EQ(limited->header("content-type"), "application/problem+json");
  EXPECT_EQ(stored_leads(server.port()), 2);
}

TEST(LeadApi, IdempotencyKeyReturnsTheSameIdAndStoresOnce) {
  ServerProcess server(quick_forms());
  const auto body = api_contact(server.port());
  const auto first = post_json(server.port(), "/api/v1/contact", body, {"Idempotency-Key: order-42"});
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 201);
  // A retry with the same key and body (even with the spent challenge) gets the same answer.
  const auto again = post_json(server.port(), "/api/v1/contact", body, {"Idempotency-Key: order-42"});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 201);
  EXPECT_EQ(json::parse(again->body).at("id"), json::parse(first->body).at("id"));
  EXPECT_EQ(stored_leads(server.port()), 1);
  // The same key for another request is refused.
  auto changed = api_contact(server.port());
  changed["message"] = "A different request entirely.";
  const auto reused = post_json(server.port(), "/api/v1/contact", changed, {"Idempotency-Key: order-42"});
  ASSERT_TRUE(reused);
  EXPECT_EQ(reused->status, 422);
  EXPECT_NE(reused->body.find("idempotency-key-reused"), std::string::npos);
  // Keys must be 1–255 visible ASCII characters.
  const auto bad_key = post_json(server.port(), "/api/v1/contact", api_contact(server.port()),
                                 {"Idempotency-Key: " + std::string(256, 'k')});
  ASSERT_TRUE(bad_key);
  EXPECT_EQ(bad_key->status, 400);
  EXPECT_EQ(stored_leads(server.port()), 1);
}

TEST(LeadApi, ConcurrentRequestsWithOneKeyStoreOneLead) {
  // Every request takes from the e-mail's bucket, even a repeat: allow them all here.
  ServerProcess server(quick_forms({{"RATE_LIMIT_EMAIL_BURST", "100"}}));
  auto body = api_contact(server.port());
  std::vector<json::object> bodies;
  for (int i = 0; i < 6; ++i) {
    json::object copy = body;
    copy["altcha"] = solved_challenge(server.port());
    bodies.push_back(std::move(copy));
  }
  std::vector<std::thread> threads;
  std::vector<std::string> ids(bodies.size());
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    threads.emplace_back([&, i] {
      const auto answer = post_json(server.port(), "/api/v1/contact", bodies[i], {"Idempotency-Key: race"});
      if (answer && answer->status == 201)
        ids[i] = std::string(json::parse(answer->body).at("id").as_string());
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& id : ids) EXPECT_EQ(id, ids[0]);
  EXPECT_FALSE(ids[0].empty());
  EXPECT_EQ(stored_leads(server.port()), 1);
}

}  // namespace
}  // namespace iv::test
