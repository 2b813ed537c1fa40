// Our integration clients against real servers: the HubSpot client against
// the local HubSpot stand-in (tests/fakes/hubspot_server.mjs, run by node),
// the SMTP mailer against Debian's aiosmtpd, whose stored mails are parsed
// back by Python's email package (an independent MIME parser), and a few
// scripted SMTP answers that aiosmtpd cannot give.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "integrations/curl_http_client.h"
#include "integrations/hubspot_client.h"
#include "integrations/smtp_mailer.h"
#include "process.h"

namespace iv::integrations {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using iv::test::ChildProcess;

const std::string kToken = "pat-test-0123456789";

// ---- the HubSpot stand-in ----------------------------------------------------

class HubSpotFake {
 public:
  HubSpotFake() : dir_(iv::test::make_temp_dir("iv-hubspot-fake")) {
    const auto port_file = dir_ / "port";
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"node", std::string(IV_SOURCE_DIR) + "/tests/fakes/hubspot_server.mjs",
                                 "--port", "0", "--port-file", port_file.string(), "--token", kToken},
        dir_ / "log");
    const auto port = iv::test::wait_for_file(port_file, 15s);
    if (!port) throw std::runtime_error("HubSpot fake did not start: " + process_->log());
    base_url_ = "http://127.0.0.1:" + *port;
  }
  ~HubSpotFake() {
    process_.reset();
    std::filesystem::remove_all(dir_);
  }

  const std::string& base_url() const { return base_url_; }

  json::object admin(const std::string& method, const std::string& path, const std::string& body = "") {
    HttpRequest request;
    request.method = method;
    request.url = base_url_ + path;
    request.body = body;
    if (!body.empty()) request.headers = {{"Content-Type", "application/json"}};
    auto response = http_.send(request);
    if (!response || response->status != 200) throw std::runtime_error("admin call failed: " + path);
    return json::parse(response->body).as_object();
  }
  void reset() { admin("POST", "/__admin/reset", "{}"); }
  void fault(const json::object& spec) { admin("POST", "/__admin/faults", json::serialize(spec)); }
  json::object state() { return admin("GET", "/__admin/state"); }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<ChildProcess> process_;
  std::string base_url_;
  CurlHttpClient http_;
};

std::size_t count_requests(const json::object& state, std::string_view method, std::string_view path) {
  return static_cast<std::size_t>(
      std::ranges::count_if(state.at("requests").as_array(), [&](const json::value& r) {
        return r.at("method").as_string() == method && r.at("path").as_string() == path;
      }));
}

std::string property(const json::value& record, std::string_view name) {
  const json::value* value = record.at("properties").as_object().if_contains(name);
  return value == nullptr ? "<absent>" : std::string(value->as_string());
}

class HubSpotTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { fake_ = new HubSpotFake(); }
  static void TearDownTestSuite() {
    delete fake_;
    fake_ = nullptr;
  }
  void SetUp() override { fake_->reset(); }

  HubSpotSettings settings(std::chrono::milliseconds timeout = 5s, std::string token = kToken) const {
    HubSpotSettings s;
    s.token = std::move(token);
    s.base_url = fake_->base_url();
    s.timeout = timeout;
    return s;
  }

  std::string contact_id(HubSpotClient& client, const std::string& email = "ada@example.com") {
    auto id = client.upsert_contact({.email = email, .first_name = "Ada", .last_name = "Lovelace"});
    EXPECT_TRUE(id.has_value()) << id.error().message;
    return id.value_or("");
  }

  static HubSpotFake* fake_;
  CurlHttpClient http_;
};

HubSpotFake* HubSpotTest::fake_ = nullptr;

TEST_F(HubSpotTest, UpsertingTheSameContactTwiceKeepsOneContact) {
  HubSpotClient client(settings(), http_);
  ASSERT_TRUE(client.configured());
  auto first =
      client.upsert_contact({.email = "Ada@Example.com", .first_name = "Ada", .company = "Analytical"});
  ASSERT_TRUE(first.has_value()) << first.error().message;
  auto second =
      client.upsert_contact({.email = "ada@example.com", .first_name = "Ada", .last_name = "Lovelace"});
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_EQ(*first, *second);

  const json::object state = fake_->state();
  ASSERT_EQ(state.at("contacts").as_array().size(), 1u);
  const json::value& contact = state.at("contacts").as_array()[0];
  EXPECT_EQ(property(contact, "email"), "ada@example.com");
  EXPECT_EQ(property(contact, "lastname"), "Lovelace");
  EXPECT_EQ(property(contact, "company"), "Analytical");  // not blanked by the sparser second form
  EXPECT_EQ(property(contact, "lifecyclestage"), "lead");
}

TEST_F(HubSpotTest, NoteIsCreatedOnceWhenTheClientTimedOutAfterTheWrite) {
  HubSpotClient client(settings(700ms), http_);
  const std::string contact = contact_id(client);
  fake_->fault({{"mode", "slow"},
                {"delay_ms", 2000},
                {"count", 1},
                {"method", "POST"},
                {"path", "/crm/v3/objects/notes"}});

  auto timed_out = client.add_note(contact, "sub-1", "<p>Please call me.</p>");
  ASSERT_FALSE(timed_out.has_value());
  EXPECT_EQ(timed_out.error().kind, CrmError::Kind::transient);
  EXPECT_NE(timed_out.error().message.find("timed out"), std::string::npos) << timed_out.error().message;
  ASSERT_EQ(fake_->state().at("notes").as_array().size(), 1u) << "the fake wrote the note before answering";

  auto retried = client.add_note(contact, "sub-1", "<p>Please call me.</p>");
  ASSERT_TRUE(retried.has_value()) << retried.error().message;
  auto again = client.add_note(contact, "sub-1", "<p>Please call me.</p>");
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(*retried, *again);

  const json::object state = fake_->state();
  ASSERT_EQ(state.at("notes").as_array().size(), 1u);
  const json::value& note = state.at("notes").as_array()[0];
  EXPECT_EQ(std::string(note.at("id").as_string()), *retried);
  EXPECT_NE(property(note, "hs_note_body").find("<p>Please call me.</p>"), std::string::npos);
  EXPECT_NE(property(note, "hs_note_body").find("Reference: sub-1"), std::string::npos);
  EXPECT_EQ(count_requests(state, "POST", "/crm/v3/objects/notes"), 1u);
  const json::array& links = state.at("associations").as_array();
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].at("fromType").as_string(), "notes");
  EXPECT_EQ(links[0].at("toId").as_string(), contact);
  EXPECT_EQ(links[0].at("typeId").as_int64(), 202);
}

TEST_F(HubSpotTest, NotesForDifferentReferencesAreKeptApart) {
  HubSpotClient client(settings(), http_);
  const std::string contact = contact_id(client);
  auto first = client.add_note(contact, "sub-1", "<p>one</p>");
  auto tenth = client.add_note(contact, "sub-10", "<p>ten</p>");  // "sub-1" is a prefix of it
  auto first_again = client.add_note(contact, "sub-1", "<p>one</p>");
  ASSERT_TRUE(first && tenth && first_again);
  EXPECT_NE(*first, *tenth);
  EXPECT_EQ(*first, *first_again);
  EXPECT_EQ(fake_->state().at("notes").as_array().size(), 2u);
}

TEST_F(HubSpotTest, NoteReferenceWithUnsafeCharactersIsRefused) {
  HubSpotClient client(settings(), http_);
  const std::string contact = contact_id(client);
  auto note = client.add_note(contact, "sub 1</p>", "<p>x</p>");
  ASSERT_FALSE(note.has_value());
  EXPECT_EQ(note.error().kind, CrmError::Kind::permanent);
  EXPECT_TRUE(fake_->state().at("notes").as_array().empty());
}

TEST_F(HubSpotTest, NoteForAnUnknownContactIsPermanent) {
  HubSpotClient client(settings(), http_);
  auto note = client.add_note("999999", "sub-1", "<p>x</p>");
  ASSERT_FALSE(note.has_value());
  EXPECT_EQ(note.error().kind, CrmError::Kind::permanent);
  EXPECT_NE(note.error().message.find("404"), std::string::npos) << note.error().message;
}

TEST_F(HubSpotTest, DealIsCreatedOnceWhenTheClientTimedOutAfterTheWrite) {
  HubSpotClient client(settings(700ms), http_);
  const std::string contact = contact_id(client);
  const CrmDeal deal{.name = "Quote request — ACME Corp", .amount = "5000", .description = "Images, 10k"};
  fake_->fault({{"mode", "slow"},
                {"delay_ms", 2000},
                {"count", 1},
                {"method", "POST"},
                {"path", "/crm/v3/objects/deals/batch/upsert"}});

  auto timed_out = client.create_deal(contact, "sub-7", deal);
  ASSERT_FALSE(timed_out.has_value());
  EXPECT_EQ(timed_out.error().kind, CrmError::Kind::transient);
  auto retried = client.create_deal(contact, "sub-7", deal);
  ASSERT_TRUE(retried.has_value()) << retried.error().message;
  auto again = client.create_deal(contact, "sub-7", deal);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(*retried, *again);

  const json::object state = fake_->state();
  ASSERT_EQ(state.at("deals").as_array().size(), 1u);
  const json::value& stored = state.at("deals").as_array()[0];
  EXPECT_EQ(std::string(stored.at("id").as_string()), *retried);
  EXPECT_EQ(property(stored, "indivillage_reference"), "sub-7");
  EXPECT_EQ(property(stored, "dealname"), "Quote request — ACME Corp");
  EXPECT_EQ(property(stored, "amount"), "5000");
  EXPECT_EQ(property(stored, "dealstage"), "appointmentscheduled");
  EXPECT_EQ(property(stored, "pipeline"), "default");

  const json::array& custom = state.at("properties").at("deals").as_array();
  ASSERT_EQ(custom.size(), 1u);
  EXPECT_EQ(custom[0].at("name").as_string(), "indivillage_reference");
  EXPECT_TRUE(custom[0].at("hasUniqueValue").as_bool());
  EXPECT_EQ(count_requests(state, "POST", "/crm/v3/properties/deals"), 1u);
  EXPECT_EQ(count_requests(state, "GET", "/crm/v3/properties/deals/indivillage_reference"), 1u)
      << "the property is checked once per client";

  const json::array& links = state.at("associations").as_array();
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].at("fromType").as_string(), "deals");
  EXPECT_EQ(links[0].at("toType").as_string(), "contacts");
  EXPECT_EQ(links[0].at("toId").as_string(), contact);
  EXPECT_EQ(links[0].at("typeId").as_int64(), 3);
}

TEST_F(HubSpotTest, ANewClientFindsTheReferencePropertyAndDoesNotCreateItAgain) {
  HubSpotClient first(settings(), http_);
  const std::string contact = contact_id(first);
  ASSERT_TRUE(first.create_deal(contact, "sub-1", {.name = "One"}).has_value());
  HubSpotClient second(settings(), http_);  // as after a restart
  auto deal = second.create_deal(contact, "sub-2", {.name = "Two"});
  ASSERT_TRUE(deal.has_value()) << deal.error().message;
  const json::object state = fake_->state();
  EXPECT_EQ(state.at("deals").as_array().size(), 2u);
  EXPECT_EQ(count_requests(state, "POST", "/crm/v3/properties/deals"), 1u);
}

TEST_F(HubSpotTest, DealAmountThatIsNotANumberIsLeftOut) {
  HubSpotClient client(settings(), http_);
  const std::string contact = contact_id(client);
  auto deal = client.create_deal(contact, "sub-3", {.name = "Quote", .amount = "$5k-$10k"});
  ASSERT_TRUE(deal.has_value()) << deal.error().message;
  EXPECT_EQ(property(fake_->state().at("deals").as_array()[0], "amount"), "<absent>");
}

TEST_F(HubSpotTest, RateLimitGivesRetryAfter) {
  HubSpotClient client(settings(), http_);
  fake_->fault({{"mode", "429"}, {"retry_after", 7}, {"count", 1}});
  auto limited = client.upsert_contact({.email = "ada@example.com"});
  ASSERT_FALSE(limited.has_value());
  EXPECT_EQ(limited.error().kind, CrmError::Kind::rate_limited);
  ASSERT_TRUE(limited.error().retry_after.has_value());
  EXPECT_EQ(*limited.error().retry_after, 7s);
  EXPECT_TRUE(client.upsert_contact({.email = "ada@example.com"}).has_value())
      << "the fault was for one call";
}

TEST_F(HubSpotTest, RateLimitWithoutRetryAfterWaitsForTheRateWindow) {
  HubSpotClient client(settings(), http_);
  fake_->fault({{"mode", "429"}, {"retry_after", nullptr}, {"count", 1}});
  auto limited = client.upsert_contact({.email = "ada@example.com"});
  ASSERT_FALSE(limited.has_value());
  EXPECT_EQ(limited.error().kind, CrmError::Kind::rate_limited);
  EXPECT_EQ(limited.error().retry_after, std::optional(10s));  // X-HubSpot-RateLimit-Interval-Milliseconds
}

TEST_F(HubSpotTest, WrongTokenIsUnauthorized) {
  HubSpotClient client(settings(5s, "pat-wrong"), http_);
  auto contact = client.upsert_contact({.email = "ada@example.com"});
  ASSERT_FALSE(contact.has_value());
  EXPECT_EQ(contact.error().kind, CrmError::Kind::unauthorized);
  EXPECT_NE(contact.error().message.find("INVALID_AUTHENTICATION"), std::string::npos)
      << contact.error().message;
  EXPECT_TRUE(fake_->state().at("contacts").as_array().empty());
}

TEST_F(HubSpotTest, NoTokenMeansNotConfigured) {
  HubSpotClient client(settings(5s, ""), http_);
  EXPECT_FALSE(client.configured());
  auto contact = client.upsert_contact({.email = "ada@example.com"});
  ASSERT_FALSE(contact.has_value());
  EXPECT_EQ(contact.error().kind, CrmError::Kind::unauthorized);
  EXPECT_EQ(count_requests(fake_->state(), "POST", "/crm/v3/objects/contacts/batch/upsert"), 0u);
}

TEST_F(HubSpotTest, ClosedConnectionIsTransient) {
  HubSpotClient client(settings(), http_);
  fake_->fault({{"mode", "down"}, {"count", 1}});
  auto contact = client.upsert_contact({.email = "ada@example.com"});
  ASSERT_FALSE(contact.has_value());
  EXPECT_EQ(contact.error().kind, CrmError::Kind::transient);
}

TEST_F(HubSpotTest, NothingListeningIsTransient) {
  HubSpotSettings s = settings();
  s.base_url = "http://127.0.0.1:" + std::to_string(iv::test::free_port());
  HubSpotClient client(s, http_);
  auto contact = client.upsert_contact({.email = "ada@example.com"});
  ASSERT_FALSE(contact.has_value());
  EXPECT_EQ(contact.error().kind, CrmError::Kind::transient);
}

TEST_F(HubSpotTest, ServerErrorIsTransient) {
  HubSpotClient client(settings(), http_);
  fake_->fault({{"mode", "500"}, {"count", 1}});
  auto contact = client.upsert_contact({.email = "ada@example.com"});
  ASSERT_FALSE(contact.has_value());
  EXPECT_EQ(contact.error().kind, CrmError::Kind::transient);
  EXPECT_NE(contact.error().message.find("500"), std::string::npos);
}

TEST_F(HubSpotTest, InvalidDataIsPermanentAndTheMessageHasNoEmailAddress) {
  HubSpotClient client(settings(), http_);
  auto contact = client.upsert_contact({.email = "someone@localhost"});  // the fake wants a dot in the domain
  ASSERT_FALSE(contact.has_value());
  EXPECT_EQ(contact.error().kind, CrmError::Kind::permanent);
  const std::string& message = contact.error().message;
  EXPECT_NE(message.find("HubSpot 400 VALIDATION_ERROR"), std::string::npos) << message;
  EXPECT_NE(message.find("correlationId "), std::string::npos) << message;
  EXPECT_NE(message.find("INVALID_EMAIL"), std::string::npos) << message;
  EXPECT_EQ(message.find("someone@localhost"), std::string::npos) << message;
}

// ---- CurlHttpClient on its own ---------------------------------------------------

TEST_F(HubSpotTest, HttpClientLowerCasesHeaderNames) {
  auto response = http_.send({.url = fake_->base_url() + "/__admin/state"});
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  ASSERT_TRUE(response->header("content-type").has_value());
  EXPECT_EQ(*response->header("content-type"), "application/json;charset=utf-8");
  EXPECT_FALSE(response->header("Content-Type").has_value()) << "lookups take the lower-case name";
}

TEST_F(HubSpotTest, HttpClientRefusesABodyOverTheLimit) {
  CurlHttpClient small({.max_response_bytes = 64});
  auto response = small.send({.url = fake_->base_url() + "/__admin/state"});
  ASSERT_FALSE(response.has_value());
  EXPECT_NE(response.error().message.find("larger than 64 bytes"), std::string::npos)
      << response.error().message;
  EXPECT_FALSE(response.error().timed_out);
}

TEST_F(HubSpotTest, HttpClientTimesOut) {
  fake_->fault({{"mode", "slow"}, {"delay_ms", 1500}, {"count", 1}});
  const auto started = std::chrono::steady_clock::now();
  auto response = http_.send({.url = fake_->base_url() + "/crm/v3/properties/deals/x", .timeout = 300ms});
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(response.has_value());
  EXPECT_TRUE(response.error().timed_out);
  EXPECT_LT(took, 1200ms);
}

TEST_F(HubSpotTest, HttpClientRefusesHeaderInjectionAndOtherSchemes) {
  const std::string url = fake_->base_url() + "/crm/v3/properties/deals/dealname";
  auto injected = http_.send({.url = url, .headers = {{"X-Test", "a\r\nAuthorization: Bearer " + kToken}}});
  ASSERT_FALSE(injected.has_value());
  auto bad_name = http_.send({.url = url, .headers = {{"X-Test\r\nAuthorization", "Bearer " + kToken}}});
  ASSERT_FALSE(bad_name.has_value());
  auto clean = http_.send({.url = url, .headers = {{"Authorization", "Bearer " + kToken}}});
  ASSERT_TRUE(clean.has_value());
  EXPECT_EQ(clean->status, 200);
  EXPECT_EQ(count_requests(fake_->state(), "GET", "/crm/v3/properties/deals/dealname"), 1u)
      << "only the clean one";
  auto file = http_.send({.url = "file:///etc/passwd"});
  ASSERT_FALSE(file.has_value());
  EXPECT_NE(file.error().message.find("protocol"), std::string::npos) << file.error().message;
}

TEST_F(HubSpotTest, HttpClientSendsMethodAndBody) {
  const std::string path = "/crm/v4/objects/deals/1/associations/contacts/2";
  auto response =
      http_.send({.method = "PUT",
                  .url = fake_->base_url() + path,
                  .headers = {{"Authorization", "Bearer " + kToken}, {"Content-Type", "application/json"}},
                  .body = "[]"});
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 404);  // no such deal: the fake saw a PUT on that path
  EXPECT_EQ(count_requests(fake_->state(), "PUT", path), 1u);
}

TEST_F(HubSpotTest, ClientIsSafeToShareBetweenThreads) {
  HubSpotClient client(settings(), http_);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 4; ++i) {
        auto id = client.upsert_contact({.email = "user" + std::to_string(t) + "@example.com"});
        if (!id) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(fake_->state().at("contacts").as_array().size(), 6u);
}

// ---- SMTP against aiosmtpd ----------------------------------------------------------

// aiosmtpd storing every mail it accepts in a Maildir.
class SmtpSink {
 public:
  SmtpSink() : dir_(iv::test::make_temp_dir("iv-smtp-sink")), port_(iv::test::free_port()) {
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l",
                                 "127.0.0.1:" + std::to_string(port_), "-c", "aiosmtpd.handlers.Mailbox",
                                 (dir_ / "mail").string()},
        dir_ / "log");
    if (!iv::test::wait_for_port(port_, 15s)) {
      throw std::runtime_error("aiosmtpd did not start (apt-get install python3-aiosmtpd): " +
                               process_->log());
    }
  }
  ~SmtpSink() {
    process_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

  // Paths of the stored mails.
  std::vector<std::filesystem::path> mails() const {
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir_ / "mail" / "new", ec))
      out.push_back(entry);
    return out;
  }
  void clear() {
    for (const auto& path : mails()) std::filesystem::remove(path);
  }

 private:
  std::filesystem::path dir_;
  std::uint16_t port_;
  std::unique_ptr<ChildProcess> process_;
};

// Python's email package with the modern policy decodes RFC 2047 words,
// quoted-printable and charsets, and reports defects it finds.
constexpr const char* kParseMail = R"PY(
import sys, json, email
from email import policy
with open(sys.argv[1], 'rb') as f:
    msg = email.message_from_binary_file(f, policy=policy.default)
defects = [type(d).__name__ for d in msg.defects]
headers = []
for name, value in msg.items():
    headers.append([name, str(value)])
    defects += [type(d).__name__ for d in getattr(value, 'defects', [])]
parts = []
for part in msg.walk():
    if part.is_multipart():
        continue
    defects += [type(d).__name__ for d in part.defects]
    parts.append({'type': part.get_content_type(), 'charset': part.get_content_charset(),
                  'encoding': part.get('Content-Transfer-Encoding'), 'content': part.get_content()})
print(json.dumps({'type': msg.get_content_type(), 'headers': headers, 'parts': parts, 'defects': defects}))
)PY";

struct ParsedMail {
  json::object document;

  std::vector<std::string> headers(std::string_view name) const {
    std::vector<std::string> out;
    for (const json::value& header : document.at("headers").as_array()) {
      std::string key(header.as_array()[0].as_string());
      std::ranges::transform(key, key.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
      if (key == name) out.emplace_back(header.as_array()[1].as_string());
    }
    return out;
  }
  std::string header(std::string_view lower_name) const {
    const auto all = headers(lower_name);
    return all.size() == 1 ? all[0] : "<" + std::to_string(all.size()) + " headers>";
  }
  const json::array& parts() const { return document.at("parts").as_array(); }
};

ParsedMail parse_mail(const std::filesystem::path& path) {
  const auto result = iv::test::run_command({"/usr/bin/python3", "-c", kParseMail, path.string()});
  if (result.exit_code != 0) throw std::runtime_error("python could not parse " + path.string());
  return {json::parse(result.output).as_object()};
}

std::string unix_newlines(std::string text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i];
  }
  return out;
}

EmailMessage lead_mail() {
  EmailMessage m;
  m.from = {"IndiVillage Website", "noreply@indivillage.com"};
  m.to = {{"Sales", "sales@indivillage.com"}};
  m.reply_to = {{"Zoë Müller", "zoe@example.com"}};
  m.subject = "Neue Anfrage von Zoë — Bildannotation ✓";
  m.text_body = "Name: Zoë Müller\nMessage:\n. a line with a dot\n.\nBye\n";
  m.html_body = "<p>Name: <b>Zoë Müller</b></p>\n<p>&lt;script&gt; stays text</p>\n";
  m.message_id = "<sub-1.sales@indivillage.com>";
  m.extra_headers = {{"X-IndiVillage-Lead", "sub-1"}};
  return m;
}

class SmtpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sink_ = new SmtpSink(); }
  static void TearDownTestSuite() {
    delete sink_;
    sink_ = nullptr;
  }
  void SetUp() override { sink_->clear(); }

  static SmtpSink* sink_;
};

SmtpSink* SmtpTest::sink_ = nullptr;

TEST_F(SmtpTest, DeliversTextAndHtmlThatParseBack) {
  SmtpMailer mailer({.url = sink_->url()});
  ASSERT_TRUE(mailer.configured());
  const EmailMessage message = lead_mail();
  auto sent = mailer.send(message);
  ASSERT_TRUE(sent.has_value()) << sent.error().message;

  const auto mails = sink_->mails();
  ASSERT_EQ(mails.size(), 1u);
  const ParsedMail mail = parse_mail(mails[0]);
  EXPECT_TRUE(mail.document.at("defects").as_array().empty()) << json::serialize(mail.document.at("defects"));
  EXPECT_EQ(mail.header("from"), "IndiVillage Website <noreply@indivillage.com>");
  EXPECT_EQ(mail.header("to"), "Sales <sales@indivillage.com>");
  EXPECT_EQ(mail.header("reply-to"), "Zoë Müller <zoe@example.com>");
  EXPECT_EQ(mail.header("subject"), message.subject);
  EXPECT_EQ(mail.header("message-id"), "<sub-1.sales@indivillage.com>");
  EXPECT_EQ(mail.header("x-indivillage-lead"), "sub-1");
  EXPECT_EQ(mail.header("mime-version"), "1.0");
  EXPECT_FALSE(mail.header("date").empty());
  EXPECT_EQ(mail.header("x-mailfrom"), "noreply@indivillage.com");
  EXPECT_EQ(mail.header("x-rcptto"), "sales@indivillage.com");

  EXPECT_EQ(mail.document.at("type").as_string(), "multipart/alternative");
  ASSERT_EQ(mail.parts().size(), 2u);
  EXPECT_EQ(mail.parts()[0].at("type").as_string(), "text/plain");
  EXPECT_EQ(mail.parts()[0].at("charset").as_string(), "utf-8");
  EXPECT_EQ(mail.parts()[0].at("encoding").as_string(), "quoted-printable");
  EXPECT_EQ(unix_newlines(std::string(mail.parts()[0].at("content").as_string())), message.text_body);
  EXPECT_EQ(mail.parts()[1].at("type").as_string(), "text/html");
  EXPECT_EQ(unix_newlines(std::string(mail.parts()[1].at("content").as_string())), message.html_body);
}

TEST_F(SmtpTest, CrlfInjectionAddsNoHeaderAndNoRecipient) {
  SmtpMailer mailer({.url = sink_->url()});
  EmailMessage message = lead_mail();
  message.from.name = "Bob\r\nBcc: evil@x.example";
  message.to[0].name = "Bob\r\nBcc: evil@x.example";
  message.reply_to[0].name = "Bob\nCc: evil@x.example";
  message.subject = "Hello\r\nBcc: evil@x.example\r\n\r\nbody?";
  message.extra_headers = {{"X-IndiVillage-Lead", "sub-1\r\nBcc: evil@x.example"}, {"Bcc", "evil@x.example"}};
  auto sent = mailer.send(message);
  ASSERT_TRUE(sent.has_value()) << sent.error().message;

  const auto mails = sink_->mails();
  ASSERT_EQ(mails.size(), 1u);
  const ParsedMail mail = parse_mail(mails[0]);
  EXPECT_TRUE(mail.headers("bcc").empty());
  EXPECT_TRUE(mail.headers("cc").empty());
  EXPECT_EQ(mail.header("x-rcptto"), "sales@indivillage.com");
  EXPECT_EQ(mail.header("subject"), "Hello Bcc: evil@x.example body?");
  EXPECT_EQ(mail.header("from"), "\"Bob Bcc: evil@x.example\" <noreply@indivillage.com>");
  EXPECT_EQ(mail.header("x-indivillage-lead"), "sub-1 Bcc: evil@x.example");
  EXPECT_EQ(mail.parts().size(), 2u);
}

TEST_F(SmtpTest, EveryToAddressIsARecipient) {
  SmtpMailer mailer({.url = sink_->url()});
  EmailMessage message = lead_mail();
  message.to.push_back({"Ops", "ops@indivillage.com"});
  ASSERT_TRUE(mailer.send(message).has_value());
  const auto mails = sink_->mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(parse_mail(mails[0]).header("x-rcptto"), "sales@indivillage.com, ops@indivillage.com");
}

TEST_F(SmtpTest, BadAddressIsRefusedBeforeConnecting) {
  SmtpMailer mailer({.url = sink_->url()});
  EmailMessage message = lead_mail();
  message.to[0].address = "sales@indivillage.com>\r\nRCPT TO:<evil@x.example";
  auto sent = mailer.send(message);
  ASSERT_FALSE(sent.has_value());
  EXPECT_FALSE(sent.error().transient);
  EXPECT_TRUE(sink_->mails().empty());
}

TEST_F(SmtpTest, NoServerIsTransient) {
  SmtpMailer mailer({.url = "smtp://127.0.0.1:" + std::to_string(iv::test::free_port()), .timeout = 3s});
  auto sent = mailer.send(lead_mail());
  ASSERT_FALSE(sent.has_value());
  EXPECT_TRUE(sent.error().transient);
}

TEST_F(SmtpTest, NotConfiguredWithoutUrl) {
  SmtpMailer mailer({});
  EXPECT_FALSE(mailer.configured());
  auto sent = mailer.send(lead_mail());
  ASSERT_FALSE(sent.has_value());
  EXPECT_TRUE(sent.error().transient);
}

TEST_F(SmtpTest, CredentialsWithoutStartTlsAreNotSentInTheClear) {
  // aiosmtpd here offers no STARTTLS: with a password in the URL we must refuse.
  const std::string url = "smtp://user:secret@" + sink_->url().substr(std::string("smtp://").size());
  SmtpMailer mailer({.url = url, .timeout = 5s});
  auto sent = mailer.send(lead_mail());
  ASSERT_FALSE(sent.has_value());
  EXPECT_TRUE(sent.error().transient);
  EXPECT_TRUE(sink_->mails().empty());
}

// ---- SMTP replies aiosmtpd does not give: a scripted server ----------------------------

// Accepts one connection and answers SMTP commands from a script: RCPT and
// the end of DATA get the configured replies, everything else succeeds.
class ScriptedSmtpServer {
 public:
  ScriptedSmtpServer(std::string rcpt_reply, std::string data_reply)
      : rcpt_reply_(std::move(rcpt_reply)), data_reply_(std::move(data_reply)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 1) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("scripted SMTP server cannot listen");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedSmtpServer() {
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
  }

  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

 private:
  void serve() {
    const int fd = ::accept(listener_, nullptr, nullptr);
    if (fd < 0) return;
    std::string buffer;
    const auto reply = [fd](const std::string& line) {
      const std::string text = line + "\r\n";
      return ::send(fd, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
    };
    const auto next_line = [&](std::string& line) {
      for (;;) {
        if (const auto end = buffer.find("\r\n"); end != std::string::npos) {
          line = buffer.substr(0, end);
          buffer.erase(0, end + 2);
          return true;
        }
        char chunk[1024];
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) return false;
        buffer.append(chunk, static_cast<std::size_t>(n));
      }
    };
    reply("220 scripted ESMTP");
    std::string line;
    while (next_line(line)) {
      const std::string verb = line.substr(0, 4);
      if (verb == "EHLO" || verb == "HELO" || verb == "MAIL" || verb == "RSET" || verb == "NOOP") {
        reply("250 ok");
      } else if (verb == "RCPT") {
        reply(rcpt_reply_);
      } else if (verb == "DATA") {
        reply("354 go ahead");
        while (next_line(line) && line != ".") {
        }
        reply(data_reply_);
      } else if (verb == "QUIT") {
        reply("221 bye");
        break;
      } else {
        reply("500 unknown command");
      }
    }
    ::close(fd);
  }

  std::string rcpt_reply_;
  std::string data_reply_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

std::expected<void, MailError> send_to_script(const std::string& rcpt_reply, const std::string& data_reply) {
  ScriptedSmtpServer server(rcpt_reply, data_reply);
  SmtpMailer mailer({.url = server.url(), .timeout = 5s});
  return mailer.send(lead_mail());
}

TEST(SmtpReplies, AcceptedMailIsSuccess) {
  auto sent = send_to_script("250 ok", "250 queued");
  EXPECT_TRUE(sent.has_value()) << sent.error().message;
}

TEST(SmtpReplies, RejectedRecipientIsPermanent) {
  auto sent = send_to_script("550 5.1.1 no such user", "250 queued");
  ASSERT_FALSE(sent.has_value());
  EXPECT_FALSE(sent.error().transient) << sent.error().message;
  EXPECT_NE(sent.error().message.find("550"), std::string::npos) << sent.error().message;
}

TEST(SmtpReplies, TemporarilyRefusedRecipientIsTransient) {
  auto sent = send_to_script("451 4.3.0 try again later", "250 queued");
  ASSERT_FALSE(sent.has_value());
  EXPECT_TRUE(sent.error().transient) << sent.error().message;
}

TEST(SmtpReplies, RejectedMessageIsPermanent) {
  auto sent = send_to_script("250 ok", "554 5.7.1 message refused");
  ASSERT_FALSE(sent.has_value());
  EXPECT_FALSE(sent.error().transient) << sent.error().message;
}

TEST(SmtpReplies, MessageDeferredIsTransient) {
  auto sent = send_to_script("250 ok", "452 4.3.1 insufficient storage");
  ASSERT_FALSE(sent.has_value());
  EXPECT_TRUE(sent.error().transient) << sent.error().message;
}

}  // namespace
}  // namespace iv::integrations
