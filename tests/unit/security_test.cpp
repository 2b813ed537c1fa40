// Abuse protection and field encryption: FieldCipher, CsrfProtector, Altcha,
// MemoryReplayGuard, MemoryRateLimiter. Hashes and base64 on the test side come
// from OpenSSL, so the checks do not lean on the code under test.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "security/altcha.h"
#include "security/csrf.h"
#include "security/field_cipher.h"
#include "security/memory_rate_limiter.h"
#include "security/memory_replay_guard.h"

namespace iv::security {
namespace {

using namespace std::chrono_literals;
using SystemTime = std::chrono::system_clock::time_point;

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef-test-secret";
constexpr std::string_view kOtherSecret = "fedcba9876543210fedcba9876543210-other-secret";

// 2026-01-01T00:00:00Z: whole seconds, far from the epoch.
const SystemTime kNow{std::chrono::seconds(1767225600)};

std::string sha256_hex(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : digest) {
    hex.push_back(kHex[b >> 4]);
    hex.push_back(kHex[b & 15]);
  }
  return hex;
}

// Standard base64 with padding, what the browser's btoa() gives.
std::string base64(std::string_view text) {
  std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool is_lower_hex(std::string_view s) {
  return std::ranges::all_of(s, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// ---------------------------------------------------------------- FieldCipher

TEST(FieldCipher, SealsAndOpensAnyText) {
  const FieldCipher cipher(kSecret, "leads");
  std::string binary(10000, '\0');
  for (std::size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>(i * 7);
  for (const std::string& plain :
       {std::string(), std::string("ada@example.com"), std::string("Zoë 🚀 <b>\r\n"), binary}) {
    const std::string sealed = cipher.seal(plain);
    EXPECT_TRUE(sealed.starts_with("v1."));
    EXPECT_EQ(sealed.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 3),
              std::string::npos)
        << "base64url without padding after the version";
    if (!plain.empty()) {
      EXPECT_EQ(sealed.find(plain), std::string::npos);
    }
    EXPECT_EQ(cipher.open(sealed), plain);
  }
}

TEST(FieldCipher, FreshNonceEveryTime) {
  const FieldCipher cipher(kSecret, "leads");
  const std::string a = cipher.seal("same text");
  const std::string b = cipher.seal("same text");
  EXPECT_NE(a, b);
  EXPECT_EQ(cipher.open(a), "same text");
  EXPECT_EQ(cipher.open(b), "same text");
}

TEST(FieldCipher, OpensWhatAnIndependentImplementationSealed) {
  // Made with Python (hashlib BLAKE2b, HChaCha20 by hand checked against the
  // XChaCha draft's vector, and cryptography's ChaCha20Poly1305) from the
  // derivation documented in field_cipher.cpp, nonce 00 01 .. 17. Data at rest
  // depends on this format: a change here means stored fields no longer open.
  const FieldCipher cipher(kSecret, "leads");
  EXPECT_EQ(cipher.open("v1.AAECAwQFBgcICQoLDA0ODxAREhMUFRYX_m2eO8EORF9SmCxs76AC-kzjv-"
                        "vCabHaDqW7C7aHzWqz4D4fM8t0m2XPh0z-ZQ"),
            "Ada Lovelace <ada@example.com>");
  EXPECT_EQ(cipher.blind_index("ada@example.com"),
            "7c47b2e801971e74f111e251c0e29c72b115c9a899c7b8bf9a8ec59d74136292");
}

TEST(FieldCipher, DetectsTampering) {
  const FieldCipher cipher(kSecret, "leads");
  const std::string sealed = cipher.seal("ada@example.com");
  for (std::size_t i = 3; i < sealed.size(); ++i) {
    std::string altered = sealed;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    EXPECT_EQ(cipher.open(altered), std::nullopt) << "changed character " << i;
  }
  EXPECT_EQ(cipher.open(sealed.substr(0, sealed.size() - 1)), std::nullopt);
  EXPECT_EQ(cipher.open(sealed + "A"), std::nullopt);
  EXPECT_EQ(cipher.open(sealed + "="), std::nullopt);
  EXPECT_EQ(cipher.open("v2." + sealed.substr(3)), std::nullopt);
  EXPECT_EQ(cipher.open(sealed.substr(3)), std::nullopt);
  EXPECT_EQ(cipher.open(""), std::nullopt);
  EXPECT_EQ(cipher.open("v1."), std::nullopt);
  EXPECT_EQ(cipher.open("v1.AAAA"), std::nullopt);
  EXPECT_EQ(cipher.open("v1.!!!!"), std::nullopt);
}

TEST(FieldCipher, OtherPurposeOrSecretCannotOpen) {
  const std::string sealed = FieldCipher(kSecret, "leads").seal("ada@example.com");
  EXPECT_EQ(FieldCipher(kSecret, "uploads").open(sealed), std::nullopt);
  EXPECT_EQ(FieldCipher(kOtherSecret, "leads").open(sealed), std::nullopt);
  EXPECT_EQ(FieldCipher(kSecret, "leads").open(sealed), "ada@example.com") << "same key in a new instance";
}

TEST(FieldCipher, BlindIndexIsStableAndSeparated) {
  const FieldCipher leads(kSecret, "leads");
  const std::string index = leads.blind_index("ada@example.com");
  EXPECT_EQ(index.size(), 64u);
  EXPECT_TRUE(is_lower_hex(index));
  EXPECT_EQ(FieldCipher(kSecret, "leads").blind_index("ada@example.com"), index);
  EXPECT_NE(leads.blind_index("ada@example.org"), index);
  EXPECT_NE(leads.blind_index("Ada@example.com"), index) << "callers normalise case themselves";
  EXPECT_NE(FieldCipher(kSecret, "uploads").blind_index("ada@example.com"), index);
  EXPECT_NE(FieldCipher(kOtherSecret, "leads").blind_index("ada@example.com"), index);
  EXPECT_EQ(index.find("ada"), std::string::npos);
}

TEST(FieldCipher, RefusesShortSecret) {
  EXPECT_THROW(FieldCipher("too short", "leads"), std::invalid_argument);
  EXPECT_THROW(FieldCipher(std::string(31, 'x'), "leads"), std::invalid_argument);
  EXPECT_NO_THROW(FieldCipher(std::string(32, 'x'), "leads"));
}

// ----------------------------------------------------------------------- CSRF

constexpr std::string_view kSite = "https://indivillage.com";

CsrfSettings csrf_settings() {
  CsrfSettings settings;
  settings.allowed_origins = {std::string(kSite), "http://127.0.0.1:8080"};
  settings.token_ttl = 1h;
  return settings;
}

// "iv_csrf=<value>" from a Set-Cookie header value.
std::string cookie_pair(const std::string& set_cookie) {
  return set_cookie.substr(0, set_cookie.find(';'));
}

struct IssuedForm {
  std::string cookie_header;
  std::string token;
};

IssuedForm issue_form(const CsrfProtector& csrf, SystemTime at = kNow) {
  const CsrfProtector::Issued issued = csrf.issue("", at);
  EXPECT_TRUE(issued.set_cookie.has_value());
  return {cookie_pair(issued.set_cookie.value_or("")), issued.form_token};
}

TEST(Csrf, NewVisitorGetsCookieAndToken) {
  const CsrfProtector csrf(kSecret, csrf_settings());
  const CsrfProtector::Issued issued = csrf.issue("", kNow);
  ASSERT_TRUE(issued.set_cookie);
  const std::string& header = *issued.set_cookie;
  EXPECT_TRUE(header.starts_with("iv_csrf=")) << header;
  EXPECT_EQ(cookie_pair(header).size(), std::string("iv_csrf=").size() + 43) << "32 random bytes, base64url";
  EXPECT_NE(header.find("; Path=/"), std::string::npos) << header;
  EXPECT_NE(header.find("; HttpOnly"), std::string::npos) << header;
  EXPECT_NE(header.find("; SameSite=Lax"), std::string::npos) << header;
  EXPECT_NE(header.find("; Max-Age=7200"), std::string::npos) << header;
  EXPECT_EQ(header.find("Secure"), std::string::npos) << header;
  EXPECT_TRUE(issued.form_token.starts_with("v1.1767225600.")) << issued.form_token;

  CsrfSettings secure = csrf_settings();
  secure.secure_cookie = true;
  EXPECT_TRUE(CsrfProtector(kSecret, secure).issue("", kNow).set_cookie.value_or("").ends_with("; Secure"));

  const CsrfProtector::Issued another = csrf.issue("", kNow);
  EXPECT_NE(cookie_pair(*another.set_cookie), cookie_pair(header)) << "random per visitor";
}

TEST(Csrf, ReturningVisitorKeepsCookie) {
  const CsrfProtector csrf(kSecret, csrf_settings());
  const IssuedForm first = issue_form(csrf);
  const CsrfProtector::Issued again = csrf.issue("theme=dark; " + first.cookie_header, kNow + 60s);
  EXPECT_FALSE(again.set_cookie) << "the existing cookie is reused";
  const auto check = csrf.verify(first.cookie_header, again.form_token, kSite, std::nullopt, kNow + 90s);
  EXPECT_EQ(check.verdict, CsrfProtector::Verdict::ok);

  EXPECT_TRUE(csrf.issue("iv_csrf=not-a-real-cookie", kNow).set_cookie) << "malformed cookie replaced";
}

TEST(Csrf, AcceptsMatchingTokenCookieAndOrigin) {
  const CsrfProtector csrf(kSecret, csrf_settings());
  const IssuedForm form = issue_form(csrf);
  const auto check = csrf.verify(form.cookie_header, form.token, kSite, std::nullopt, kNow + 7s);
  EXPECT_EQ(check.verdict, CsrfProtector::Verdict::ok);
  EXPECT_EQ(check.issued_at, kNow) << "gives the minimum-fill-time check its start";
  EXPECT_EQ(csrf.verify(form.cookie_header, form.token, "http://127.0.0.1:8080", std::nullopt, kNow).verdict,
            CsrfProtector::Verdict::ok);
}

TEST(Csrf, MissingToken) {
  const CsrfProtector csrf(kSecret, csrf_settings());
  const IssuedForm form = issue_form(csrf);
  EXPECT_EQ(csrf.verify(form.cookie_header, "", kSite, std::nullopt, kNow).verdict,
            CsrfProtector::Verdict::missing_token);
}

TEST(Csrf, TamperedToken) {
  const CsrfProtector csrf(kSecret, csrf_settings());
  const IssuedForm form = issue_form(csrf);
  const auto verdict = [&](const std::string& token) {
    return csrf.verify(form.cookie_header, token, kSite, std::nullopt, kNow + 1s).verdict;
  };
  // A later issue time would stretch the token's life.
  std::string later = form.token;
  later.replace(3, 10, "1767229200");
  EXPECT_EQ(verdict(later), CsrfProtector::Verdict::bad_token);

  std::string flipped = form.token;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(verdict(flipped), CsrfProtector::Verdict::bad_token);

  EXPECT_EQ(verdict("garbage"), CsrfProtector::Verdict::bad_token);
  EXPECT_EQ(verdict("v1.1767225600"), CsrfProtector::Verdict::bad_token);
  EXPECT_EQ(verdict(form.token + "x"), CsrfProtector::Verdict::bad_token);
  EXPECT_EQ(verdict("v2" + form.token.substr(2)), CsrfProtector::Verdict::bad_token);
  EXPECT_EQ(verdict("v1.-5" + form.token.substr(13)), CsrfProtector::Verdict::bad_token);

  // A token from another installation (other SECRET_KEY) is not ours.
  const CsrfProtector other(kOtherSecret, csrf_settings());
  EXPECT_NE(other.verify(form.cookie_header, form.token, kSite, std::nullopt, kNow).verdict,
            CsrfProtector::Verdict::ok);
}

TEST(Csrf, ExpiredToken) {
  const CsrfProtector csrf(kSecret, csrf_settings());
  const IssuedForm form = issue_form(csrf);
  EXPECT_EQ(csrf.verify(form.cookie_header, form.token, kSite, std::nullopt, kNow + 1h).verdict,
            CsrfProtector::Verdict::ok);
  EXPECT_EQ(csrf.verify(form.cookie_header, form.token, kSite, std::nullopt, kNow + 1h + 1s).verdict,
            CsrfProtector::Verdict::expired);
  // Issued "in the future" beyond any clock correction: not ours to trust.
  EXPECT_EQ(csrf.verify(form.cookie_header, form.token, kSite, std::nullopt, kNow - 1h).verdict,
            CsrfProtector::Verdict::bad_token);
}

TEST(Csrf, TokenOfAnotherCookie) {
  const CsrfProtector csrf(kSecret, csrf_settings());
  const IssuedForm mine = issue_form(csrf);
  const IssuedForm theirs = issue_form(csrf);
  EXPECT_EQ(csrf.verify(theirs.cookie_header, mine.token, kSite, std::nullopt, kNow).verdict,
            CsrfProtector::Verdict::cookie_mismatch);
  EXPECT_EQ(csrf.verify("", mine.token, kSite, std::nullopt, kNow).verdict,
            CsrfProtector::Verdict::cookie_mismatch);
  EXPECT_EQ(
      csrf.verify("other=" + mine.cookie_header.substr(8), mine.token, kSite, std::nullopt, kNow).verdict,
      CsrfProtector::Verdict::cookie_mismatch)
      << "the cookie must carry our name";
}

TEST(Csrf, ParsesCookieHeaderRobustly) {
  const CsrfProtector csrf(kSecret, csrf_settings());
  const IssuedForm form = issue_form(csrf);
  const std::string value = form.cookie_header.substr(std::string("iv_csrf=").size());
  for (const std::string& header : {
           "a=1; iv_csrf=" + value + "; b=2",
           "a=1;iv_csrf=" + value,
           "  iv_csrf = " + value + " ;",
           "a=1;\tiv_csrf=\"" + value + "\"",
           "iv_csrf=; x_iv_csrf=zzz; iv_csrf=garbage; iv_csrf=" + value,
           "theme=\"dark;light\"; iv_csrf=" + value,
       }) {
    EXPECT_EQ(csrf.verify(header, form.token, kSite, std::nullopt, kNow).verdict, CsrfProtector::Verdict::ok)
        << header;
  }
}

TEST(Csrf, RequiresOwnOrigin) {
  const CsrfProtector csrf(kSecret, csrf_settings());
  const IssuedForm form = issue_form(csrf);
  const auto verdict = [&](std::optional<std::string_view> origin, std::optional<std::string_view> referer) {
    return csrf.verify(form.cookie_header, form.token, origin, referer, kNow).verdict;
  };
  using V = CsrfProtector::Verdict;
  EXPECT_EQ(verdict("https://evil.example", std::nullopt), V::bad_origin);
  EXPECT_EQ(verdict("https://indivillage.com.evil.example", std::nullopt), V::bad_origin);
  EXPECT_EQ(verdict("http://indivillage.com", std::nullopt), V::bad_origin) << "scheme matters";
  EXPECT_EQ(verdict("https://indivillage.com:8443", std::nullopt), V::bad_origin) << "port matters";
  EXPECT_EQ(verdict("null", std::nullopt), V::bad_origin);
  EXPECT_EQ(verdict(std::nullopt, std::nullopt), V::bad_origin) << "neither header";
  EXPECT_EQ(verdict("https://evil.example", "https://indivillage.com/contact"), V::bad_origin)
      << "a wrong Origin is not rescued by the Referer";
  // Canonical forms of our own origin.
  EXPECT_EQ(verdict("https://IndiVillage.com", std::nullopt), V::ok);
  EXPECT_EQ(verdict("https://indivillage.com:443", std::nullopt), V::ok);
  // A bad origin is reported even without a token: the cheap check runs first.
  EXPECT_EQ(csrf.verify("", "", "https://evil.example", std::nullopt, kNow).verdict, V::bad_origin);
}

TEST(Csrf, FallsBackToReferer) {
  const CsrfProtector csrf(kSecret, csrf_settings());
  const IssuedForm form = issue_form(csrf);
  const auto verdict = [&](std::optional<std::string_view> origin, std::string_view referer) {
    return csrf.verify(form.cookie_header, form.token, origin, referer, kNow).verdict;
  };
  using V = CsrfProtector::Verdict;
  EXPECT_EQ(verdict(std::nullopt, "https://indivillage.com/contact?ref=home#form"), V::ok);
  EXPECT_EQ(verdict(std::nullopt, "https://indivillage.com/"), V::ok);
  EXPECT_EQ(verdict(std::nullopt, "https://indivillage.com"), V::ok);
  EXPECT_EQ(verdict("", "https://indivillage.com/contact"), V::ok) << "empty Origin counts as absent";
  EXPECT_EQ(verdict(std::nullopt, "https://evil.example/https://indivillage.com/"), V::bad_origin);
  EXPECT_EQ(verdict(std::nullopt, "https://indivillage.com.evil.example/contact"), V::bad_origin);
  EXPECT_EQ(verdict(std::nullopt, "https://indivillage.com@evil.example/"), V::bad_origin);
  EXPECT_EQ(verdict(std::nullopt, "/contact"), V::bad_origin);
}

TEST(Csrf, RefusesBadConfiguration) {
  EXPECT_THROW(CsrfProtector("short", csrf_settings()), std::invalid_argument);
  CsrfSettings settings = csrf_settings();
  settings.allowed_origins.push_back("indivillage.com");
  EXPECT_THROW(CsrfProtector(kSecret, settings), std::invalid_argument);
  settings.allowed_origins.back() = "https://indivillage.com/contact";
  EXPECT_THROW(CsrfProtector(kSecret, settings), std::invalid_argument);
}

TEST(Csrf, DescribesEveryVerdict) {
  using V = CsrfProtector::Verdict;
  std::set<std::string_view> texts;
  for (V v : {V::ok, V::missing_token, V::bad_token, V::expired, V::cookie_mismatch, V::bad_origin}) {
    texts.insert(CsrfProtector::describe(v));
  }
  EXPECT_EQ(texts.size(), 6u);
}

// --------------------------------------------------------------------- ALTCHA

// What the widget does: try numbers until SHA-256(salt + number) matches.
std::optional<std::int64_t> solve(const AltchaChallenge& c) {
  for (std::int64_t n = 0; n <= c.maxnumber; ++n) {
    if (sha256_hex(c.salt + std::to_string(n)) == c.challenge) return n;
  }
  return std::nullopt;
}

// The widget's payload (v3 widget with a v1 challenge): base64 of this JSON.
std::string payload(const AltchaChallenge& c, std::string_view number, std::string_view salt) {
  return base64(R"({"algorithm":")" + c.algorithm + R"(","challenge":")" + c.challenge + R"(","number":)" +
                std::string(number) + R"(,"salt":")" + std::string(salt) + R"(","signature":")" +
                c.signature + R"(","took":42})");
}

std::string payload(const AltchaChallenge& c, std::int64_t number) {
  return payload(c, std::to_string(number), c.salt);
}

class AltchaTest : public ::testing::Test {
 protected:
  static AltchaSettings settings() {
    AltchaSettings s;
    s.max_number = 2000;  // quick to brute-force here
    s.ttl = 20min;
    return s;
  }
  SystemTime clock_now_ = kNow;
  MemoryReplayGuard guard_{{}, [this] { return clock_now_; }};
  Altcha altcha_{kSecret, settings(), guard_};
};

TEST_F(AltchaTest, CreatesWellFormedChallenge) {
  const AltchaChallenge c = altcha_.create(kNow);
  EXPECT_EQ(c.algorithm, "SHA-256");
  EXPECT_EQ(c.maxnumber, 2000);
  EXPECT_EQ(c.challenge.size(), 64u);
  EXPECT_TRUE(is_lower_hex(c.challenge));
  EXPECT_EQ(c.signature.size(), 64u);
  EXPECT_TRUE(is_lower_hex(c.signature));
  // 12 random bytes in hex, then the signed expiry the widget reads.
  ASSERT_GT(c.salt.size(), 24u);
  EXPECT_TRUE(is_lower_hex(c.salt.substr(0, 24))) << c.salt;
  EXPECT_EQ(c.salt.substr(24, 20), "?expires=1767226800&") << c.salt;
  EXPECT_TRUE(c.salt.ends_with("&"));
  const AltchaChallenge other = altcha_.create(kNow);
  EXPECT_NE(other.salt, c.salt);
  EXPECT_NE(other.signature, c.signature);
}

TEST_F(AltchaTest, SolvedChallengeIsAcceptedOnce) {
  const AltchaChallenge c = altcha_.create(kNow);
  const std::optional<std::int64_t> number = solve(c);
  ASSERT_TRUE(number) << "the challenge must be solvable within maxnumber";
  EXPECT_EQ(altcha_.verify(payload(c, *number), kNow + 5s), Altcha::Verdict::ok);
  EXPECT_EQ(altcha_.verify(payload(c, *number), kNow + 6s), Altcha::Verdict::replayed);

  // Unpadded base64 of the same kind of payload is accepted too.
  const AltchaChallenge d = altcha_.create(kNow);
  std::string unpadded = payload(d, *solve(d));
  while (unpadded.ends_with('=')) unpadded.pop_back();
  EXPECT_EQ(altcha_.verify(unpadded, kNow), Altcha::Verdict::ok);
}

TEST_F(AltchaTest, NumberIsUniformOverWholeRangeInclusive) {
  AltchaSettings tiny = settings();
  tiny.max_number = 3;
  const Altcha altcha(kSecret, tiny, guard_);
  std::set<std::int64_t> seen;
  for (int i = 0; i < 200; ++i) {
    const AltchaChallenge c = altcha.create(kNow);
    const auto n = solve(c);
    ASSERT_TRUE(n);
    seen.insert(*n);
  }
  EXPECT_EQ(seen, (std::set<std::int64_t>{0, 1, 2, 3}));
}

TEST_F(AltchaTest, WrongNumber) {
  const AltchaChallenge c = altcha_.create(kNow);
  const std::int64_t number = *solve(c);
  EXPECT_EQ(altcha_.verify(payload(c, number + 1), kNow), Altcha::Verdict::wrong_solution);
  EXPECT_EQ(altcha_.verify(payload(c, number), kNow), Altcha::Verdict::ok) << "a failed try spends nothing";
}

TEST_F(AltchaTest, AlteredSaltIsBadSignature) {
  const AltchaChallenge c = altcha_.create(kNow);
  const std::int64_t number = *solve(c);
  // Extend the expiry by a day and redo the work so the hash matches.
  std::string salt = c.salt;
  salt.replace(33, 10, "1767313200");
  AltchaChallenge forged = c;
  forged.salt = salt;
  forged.challenge = sha256_hex(salt + std::to_string(number));
  EXPECT_EQ(altcha_.verify(payload(forged, number), kNow), Altcha::Verdict::bad_signature);
  EXPECT_EQ(altcha_.verify(payload(c, std::to_string(number), salt), kNow), Altcha::Verdict::bad_signature);
  // Another random part with the original expiry.
  std::string other_random = c.salt;
  other_random[0] = other_random[0] == 'a' ? 'b' : 'a';
  EXPECT_EQ(altcha_.verify(payload(c, std::to_string(number), other_random), kNow),
            Altcha::Verdict::bad_signature);
}

TEST_F(AltchaTest, AlteredChallengeOrSignatureIsBadSignature) {
  const AltchaChallenge c = altcha_.create(kNow);
  const std::int64_t number = *solve(c);
  AltchaChallenge forged = c;
  forged.signature[5] = forged.signature[5] == '0' ? '1' : '0';
  EXPECT_EQ(altcha_.verify(payload(forged, number), kNow), Altcha::Verdict::bad_signature);
  forged = c;
  forged.challenge = sha256_hex(c.salt + "7");  // an easier challenge of our own choosing
  EXPECT_EQ(altcha_.verify(payload(forged, 7), kNow), Altcha::Verdict::bad_signature);

  MemoryReplayGuard guard;
  const Altcha other_site(kOtherSecret, settings(), guard);
  EXPECT_EQ(other_site.verify(payload(c, number), kNow), Altcha::Verdict::bad_signature);
}

TEST_F(AltchaTest, SplicedSaltIsMalformed) {
  // Moving the number's leading digit into the salt gives the same hash; the
  // strict salt format refuses it (the salt ends with "&").
  AltchaChallenge c;
  std::int64_t number = 0;
  do {
    c = altcha_.create(kNow);
    number = *solve(c);
  } while (number < 10);
  const std::string digits = std::to_string(number);
  const std::string spliced_salt = c.salt + digits.substr(0, 1);
  ASSERT_EQ(sha256_hex(spliced_salt + digits.substr(1)), c.challenge);
  EXPECT_EQ(altcha_.verify(payload(c, digits.substr(1), spliced_salt), kNow), Altcha::Verdict::malformed);
}

TEST_F(AltchaTest, Expired) {
  const AltchaChallenge c = altcha_.create(kNow);
  const std::int64_t number = *solve(c);
  clock_now_ = kNow + 20min + 1s;
  EXPECT_EQ(altcha_.verify(payload(c, number), kNow + 20min + 1s), Altcha::Verdict::expired);
  clock_now_ = kNow + 20min;
  EXPECT_EQ(altcha_.verify(payload(c, number), kNow + 20min), Altcha::Verdict::ok)
      << "valid up to its expiry";
}

TEST_F(AltchaTest, MissingOrMalformedPayload) {
  const AltchaChallenge c = altcha_.create(kNow);
  const std::string n = std::to_string(*solve(c));
  using V = Altcha::Verdict;
  EXPECT_EQ(altcha_.verify("", kNow), V::missing);
  EXPECT_EQ(altcha_.verify("!!!not base64!!!", kNow), V::malformed);
  EXPECT_EQ(altcha_.verify(base64("not json"), kNow), V::malformed);
  EXPECT_EQ(altcha_.verify(base64("[1,2,3]"), kNow), V::malformed);
  EXPECT_EQ(altcha_.verify(base64("{}"), kNow), V::malformed);
  EXPECT_EQ(altcha_.verify(base64(R"({"challenge":")" + c.challenge + R"(","number":)" + n + "}"), kNow),
            V::malformed);
  EXPECT_EQ(altcha_.verify(payload(c, "\"" + n + "\"", c.salt), kNow), V::malformed) << "number as a string";
  EXPECT_EQ(altcha_.verify(payload(c, "-1", c.salt), kNow), V::malformed);
  EXPECT_EQ(altcha_.verify(payload(c, n + ".5", c.salt), kNow), V::malformed);
  EXPECT_EQ(altcha_.verify(payload(c, "1e400", c.salt), kNow), V::malformed);
  EXPECT_EQ(altcha_.verify(payload(c, n, "plain-salt"), kNow), V::malformed);
  AltchaChallenge sha1 = c;
  sha1.algorithm = "SHA-1";
  EXPECT_EQ(altcha_.verify(payload(sha1, n, c.salt), kNow), V::malformed);
  EXPECT_EQ(altcha_.verify(std::string(5000, 'A'), kNow), V::malformed) << "oversize";
  // Truncated base64 of a valid payload.
  const std::string valid = payload(c, *solve(c));
  EXPECT_EQ(altcha_.verify(valid.substr(0, valid.size() / 2), kNow), V::malformed);
  EXPECT_EQ(altcha_.verify(valid, kNow), V::ok) << "none of the above spent it";
}

TEST_F(AltchaTest, DescribesEveryVerdict) {
  using V = Altcha::Verdict;
  std::set<std::string_view> texts;
  for (V v :
       {V::ok, V::missing, V::malformed, V::bad_signature, V::wrong_solution, V::expired, V::replayed}) {
    texts.insert(Altcha::describe(v));
  }
  EXPECT_EQ(texts.size(), 7u);
}

TEST(Altcha, RefusesBadConfiguration) {
  MemoryReplayGuard guard;
  EXPECT_THROW(Altcha("short", AltchaSettings{}, guard), std::invalid_argument);
  AltchaSettings zero;
  zero.max_number = 0;
  EXPECT_THROW(Altcha(kSecret, zero, guard), std::invalid_argument);
}

// ---------------------------------------------------------- MemoryReplayGuard

TEST(MemoryReplayGuard, RemembersUntilExpiry) {
  SystemTime now = kNow;
  MemoryReplayGuard guard({}, [&] { return now; });
  EXPECT_TRUE(guard.first_use("a", kNow + 10s));
  EXPECT_FALSE(guard.first_use("a", kNow + 10s));
  EXPECT_FALSE(guard.first_use("a", kNow + 1h)) << "a new expiry does not reset it";
  EXPECT_TRUE(guard.first_use("b", kNow + 20s));
  EXPECT_EQ(guard.size(), 2u);

  now = kNow + 10s;  // "a" expires
  EXPECT_TRUE(guard.first_use("c", kNow + 30s));
  EXPECT_EQ(guard.size(), 2u) << "expired entries are swept on insert";
  EXPECT_TRUE(guard.first_use("a", kNow + 40s));
  EXPECT_FALSE(guard.first_use("b", kNow + 20s));

  EXPECT_TRUE(guard.first_use("old", kNow));
  EXPECT_EQ(guard.size(), 3u) << "an already expired key is not stored";
}

TEST(MemoryReplayGuard, RefusesBeyondItsBound) {
  SystemTime now = kNow;
  MemoryReplayGuardSettings settings;
  settings.max_entries = 3;
  MemoryReplayGuard guard(settings, [&] { return now; });
  EXPECT_TRUE(guard.first_use("1", kNow + 10s));
  EXPECT_TRUE(guard.first_use("2", kNow + 20s));
  EXPECT_TRUE(guard.first_use("3", kNow + 30s));
  EXPECT_FALSE(guard.first_use("4", kNow + 30s)) << "full: fails closed";
  EXPECT_EQ(guard.size(), 3u);
  now = kNow + 10s;
  EXPECT_TRUE(guard.first_use("4", kNow + 30s)) << "room again once one expired";
  EXPECT_FALSE(guard.first_use("2", kNow + 20s));
}

TEST(MemoryReplayGuard, ConcurrentUsesSucceedOncePerKey) {
  MemoryReplayGuard guard;
  std::atomic<int> successes{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (guard.first_use("key-" + std::to_string(i), std::chrono::system_clock::now() + 1h)) ++successes;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(successes.load(), 500);
}

// ---------------------------------------------------------- MemoryRateLimiter

using SteadyTime = std::chrono::steady_clock::time_point;
const SteadyTime kStart{std::chrono::hours(1000)};

RateRule rule(double capacity, double refill_per_second, std::string name = "form-ip") {
  return RateRule{std::move(name), capacity, refill_per_second};
}

TEST(MemoryRateLimiter, BurstThenTooManyWithRetryAfter) {
  MemoryRateLimiter limiter;
  const RateRule r = rule(3, 0.125);  // one token per 8 s (exact in binary, so exact expectations)
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.take(r, "198.51.100.7", kStart).allowed) << i;
  const RateDecision denied = limiter.take(r, "198.51.100.7", kStart);
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.retry_after, 8s);
  const RateDecision later = limiter.take(r, "198.51.100.7", kStart + 3s);
  EXPECT_FALSE(later.allowed);
  EXPECT_EQ(later.retry_after, 5s);
  EXPECT_EQ(limiter.take(r, "198.51.100.7", kStart + 7500ms).retry_after, 1s) << "rounded up, at least 1 s";
}

TEST(MemoryRateLimiter, RetryAfterRoundsUp) {
  MemoryRateLimiter limiter;
  const RateRule r = rule(1, 0.3);  // 3.33 s per token
  EXPECT_TRUE(limiter.take(r, "k", kStart).allowed);
  EXPECT_EQ(limiter.take(r, "k", kStart).retry_after, 4s);
  const RateRule hourly = rule(5, 5.0 / 3600);  // the default form rule: 720 s per token
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.take(hourly, "h", kStart).allowed);
  EXPECT_EQ(limiter.take(hourly, "h", kStart).retry_after, 720s);
  const RateRule third = rule(1, 1.0 / 3);  // after 1 s, (1 - 1/3) / (1/3) is 2.0000000000000004
  EXPECT_TRUE(limiter.take(third, "t", kStart).allowed);
  EXPECT_EQ(limiter.take(third, "t", kStart + 1s).retry_after, 2s) << "rounding noise adds no second";
}

TEST(MemoryRateLimiter, RefillsOverTimeUpToCapacity) {
  MemoryRateLimiter limiter;
  const RateRule r = rule(3, 0.125);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter.take(r, "k", kStart).allowed);
  EXPECT_FALSE(limiter.take(r, "k", kStart + 7s).allowed);
  EXPECT_TRUE(limiter.take(r, "k", kStart + 8s).allowed) << "one token back after 8 s";
  EXPECT_FALSE(limiter.take(r, "k", kStart + 8s).allowed);
  EXPECT_TRUE(limiter.take(r, "k", kStart + 24s).allowed) << "two more by 24 s";
  EXPECT_TRUE(limiter.take(r, "k", kStart + 24s).allowed);
  EXPECT_FALSE(limiter.take(r, "k", kStart + 24s).allowed);

  const SteadyTime much_later = kStart + 24h;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.take(r, "k", much_later).allowed);
  EXPECT_FALSE(limiter.take(r, "k", much_later).allowed) << "never more than the burst";
  EXPECT_FALSE(limiter.take(r, "k", much_later - 1h).allowed) << "a clock going back gives nothing";
}

TEST(MemoryRateLimiter, KeysAndRulesAreIndependent) {
  MemoryRateLimiter limiter;
  const RateRule ip = rule(1, 0.01, "form-ip");
  const RateRule email = rule(1, 0.01, "form-email");
  EXPECT_TRUE(limiter.take(ip, "198.51.100.7", kStart).allowed);
  EXPECT_FALSE(limiter.take(ip, "198.51.100.7", kStart).allowed);
  EXPECT_TRUE(limiter.take(ip, "198.51.100.8", kStart).allowed);
  EXPECT_TRUE(limiter.take(email, "198.51.100.7", kStart).allowed) << "same key, other rule";
  EXPECT_EQ(limiter.size(), 3u);
}

TEST(MemoryRateLimiter, MemoryIsBoundedDroppingLeastRecentlyUsed) {
  MemoryRateLimiterSettings settings;
  settings.max_keys = 32;  // 2 per shard
  MemoryRateLimiter limiter(settings);
  const RateRule r = rule(1, 0.001);
  ASSERT_TRUE(limiter.take(r, "hot", kStart).allowed);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(limiter.take(r, "cold-" + std::to_string(i), kStart).allowed);
    EXPECT_FALSE(limiter.take(r, "hot", kStart).allowed) << "a key in use stays limited";
  }
  EXPECT_LE(limiter.size(), 32u);
  EXPECT_TRUE(limiter.take(r, "cold-0", kStart).allowed) << "a long unused key was dropped and starts afresh";
}

TEST(MemoryRateLimiter, CountsExactlyUnderConcurrency) {
  MemoryRateLimiter limiter;
  const RateRule r = rule(100, 0.001);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (limiter.take(r, "shared", kStart).allowed) ++allowed;
        limiter.take(r, "own-" + std::to_string(i), kStart);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), 100);
}

TEST(MemoryRateLimiter, RefusesNonsenseRules) {
  MemoryRateLimiter limiter;
  EXPECT_THROW(limiter.take(rule(0.5, 1), "k", kStart), std::invalid_argument);
  EXPECT_THROW(limiter.take(rule(5, 0), "k", kStart), std::invalid_argument);
  EXPECT_THROW(limiter.take(rule(5, -1), "k", kStart), std::invalid_argument);
}

}  // namespace
}  // namespace iv::security
