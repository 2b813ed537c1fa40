// Lead validation and normalisation: the server is the authority, so every
// rule of DESIGN.md "Lead fields" and issue 3 is checked here field by field.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "leads/lead.h"
#include "leads/lead_id.h"
#include "leads/lead_validation.h"

namespace iv::leads {
namespace {

const std::vector<std::string> kServices{"data-annotation", "data-curation", "content-moderation"};

// Three 60-character labels and a last label of `tail` letters.
std::string long_domain(std::size_t tail) {
  const std::string label(60, 'b');
  return label + "." + label + "." + label + "." + std::string(tail, 'c');
}

LeadFields valid_contact() {
  LeadFields f;
  f.name = "Ada Lovelace";
  f.email = "ada@example.com";
  f.message = "We need ten thousand images labelled.";
  f.consent = true;
  return f;
}

LeadFields valid_quote() {
  LeadFields f = valid_contact();
  f.company = "Analytical Engines Ltd";
  f.services = {"data-annotation"};
  f.data_type = "images";
  f.data_volume = "200,000 images";
  f.timeline = "1-3-months";
  f.budget_range = "10k-50k";
  return f;
}

// The fields named in `errors`, in order.
std::vector<std::string> fields_of(const std::vector<FieldError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.field);
  return out;
}

std::vector<std::string> check(LeadKind kind, LeadFields fields) {
  return fields_of(normalise_and_validate(kind, fields, kServices));
}

TEST(LeadValidation, ValidSubmissionsOfEveryKindPass) {
  EXPECT_TRUE(check(LeadKind::contact, valid_contact()).empty());
  EXPECT_TRUE(check(LeadKind::quote, valid_quote()).empty());
  LeadFields demo = valid_contact();
  demo.company = "ACME";
  demo.company_size = "50-249";
  demo.preferred_dates = "Tuesday mornings";
  demo.services = {"content-moderation", "data-curation"};
  demo.message.clear();  // optional for a demo
  EXPECT_TRUE(check(LeadKind::demo, demo).empty());
}

struct Case {
  const char* what;
  LeadKind kind;
  void (*change)(LeadFields&);
  std::vector<std::string> expected_fields;
};

class LeadValidationTable : public ::testing::TestWithParam<Case> {};

TEST_P(LeadValidationTable, ReportsExactlyTheBadFields) {
  const Case& c = GetParam();
  LeadFields fields = c.kind == LeadKind::contact ? valid_contact() : valid_quote();
  if (c.kind == LeadKind::demo) {
    fields.data_type.clear();
    fields.data_volume.clear();
    fields.timeline.clear();
    fields.budget_range.clear();
  }
  c.change(fields);
  EXPECT_EQ(check(c.kind, fields), c.expected_fields) << c.what;
}

INSTANTIATE_TEST_SUITE_P(
    Rules, LeadValidationTable,
    ::testing::Values(
        Case{"name missing", LeadKind::contact, [](LeadFields& f) { f.name = "   "; }, {"name"}},
        Case{"name one character", LeadKind::contact, [](LeadFields& f) { f.name = "A"; }, {"name"}},
        Case{"name two characters", LeadKind::contact, [](LeadFields& f) { f.name = "Li"; }, {}},
        Case{"name two non-ASCII characters", LeadKind::contact, [](LeadFields& f) { f.name = "李华"; }, {}},
        Case{"name 100 characters", LeadKind::contact, [](LeadFields& f) { f.name = std::string(100, 'a'); }, {}},
        Case{"name 101 characters", LeadKind::contact, [](LeadFields& f) { f.name = std::string(101, 'a'); },
             {"name"}},
        Case{"name 100 two-byte characters", LeadKind::contact,
             [](LeadFields& f) {
               f.name.clear();
               for (int i = 0; i < 100; ++i) f.name += "é";
             },
             {}},
        Case{"name with a newline", LeadKind::contact, [](LeadFields& f) { f.name = "Ada\nBcc: x@y.z"; }, {"name"}},
        Case{"name with CR", LeadKind::contact, [](LeadFields& f) { f.name = "Ada\rLovelace"; }, {"name"}},
        Case{"name with a tab", LeadKind::contact, [](LeadFields& f) { f.name = "Ada\tLovelace"; }, {"name"}},
        Case{"name with NUL", LeadKind::contact, [](LeadFields& f) { f.name = std::string("Ada\0X", 5); },
             {"name"}},
        Case{"name with a C1 control", LeadKind::contact, [](LeadFields& f) { f.name = "Ada\xC2\x85X"; },
             {"name"}},
        Case{"name invalid UTF-8", LeadKind::contact, [](LeadFields& f) { f.name = "Ada \xFF\xFE"; }, {"name"}},
        Case{"name overlong UTF-8", LeadKind::contact, [](LeadFields& f) { f.name = "Ad\xC0\xBC"; }, {"name"}},
        Case{"email missing", LeadKind::contact, [](LeadFields& f) { f.email.clear(); }, {"email"}},
        Case{"email without domain dot", LeadKind::contact, [](LeadFields& f) { f.email = "ada@localhost"; },
             {"email"}},
        Case{"email with a space", LeadKind::contact, [](LeadFields& f) { f.email = "ada lovelace@example.com"; },
             {"email"}},
        Case{"email with two @", LeadKind::contact, [](LeadFields& f) { f.email = "a@b@example.com"; },
             {"email"}},
        Case{"email with angle brackets", LeadKind::contact, [](LeadFields& f) { f.email = "<a@example.com>"; },
             {"email"}},
        Case{"email with CRLF", LeadKind::contact,
             [](LeadFields& f) { f.email = "a@example.com\r\nBcc: victim@example.org"; }, {"email"}},
        Case{"email 254 characters", LeadKind::contact,
             [](LeadFields& f) { f.email = std::string(60, 'a') + "@" + long_domain(10); }, {}},
        Case{"email 255 characters", LeadKind::contact,
             [](LeadFields& f) { f.email = std::string(60, 'a') + "@" + long_domain(11); }, {"email"}},
        Case{"email label of 64 characters", LeadKind::contact,
             [](LeadFields& f) { f.email = "a@" + std::string(64, 'b') + ".com"; }, {"email"}},
        Case{"email internationalised", LeadKind::contact, [](LeadFields& f) { f.email = "josé@bücher.de"; }, {}},
        Case{"email plus tag", LeadKind::contact, [](LeadFields& f) { f.email = "ada+leads@mail.example.co.uk"; },
             {}},
        Case{"email quoted local part", LeadKind::contact, [](LeadFields& f) { f.email = "\"ada\"@example.com"; },
             {"email"}},
        Case{"email leading dot", LeadKind::contact, [](LeadFields& f) { f.email = ".ada@example.com"; },
             {"email"}},
        Case{"email numeric top-level domain", LeadKind::contact, [](LeadFields& f) { f.email = "a@10.0.0.1"; },
             {"email"}},
        Case{"email label with leading hyphen", LeadKind::contact, [](LeadFields& f) { f.email = "a@-x.com"; },
             {"email"}},
        Case{"phone optional", LeadKind::contact, [](LeadFields& f) { f.phone.clear(); }, {}},
        Case{"phone E.164", LeadKind::contact, [](LeadFields& f) { f.phone = "+442079460000"; }, {}},
        Case{"phone with separators", LeadKind::contact, [](LeadFields& f) { f.phone = "+1 (555) 010-9999"; },
             {}},
        Case{"phone too short", LeadKind::contact, [](LeadFields& f) { f.phone = "12345"; }, {"phone"}},
        Case{"phone letters", LeadKind::contact, [](LeadFields& f) { f.phone = "+44 CALL ME"; }, {"phone"}},
        Case{"phone plus in the middle", LeadKind::contact, [](LeadFields& f) { f.phone = "44+2079460000"; },
             {"phone"}},
        Case{"phone 16 digits", LeadKind::contact, [](LeadFields& f) { f.phone = "1234567890123456"; },
             {"phone"}},
        Case{"company optional for contact", LeadKind::contact, [](LeadFields& f) { f.company.clear(); }, {}},
        Case{"company required for quote", LeadKind::quote, [](LeadFields& f) { f.company.clear(); }, {"company"}},
        Case{"company 151 characters", LeadKind::quote, [](LeadFields& f) { f.company = std::string(151, 'c'); },
             {"company"}},
        Case{"message required for contact", LeadKind::contact, [](LeadFields& f) { f.message = " \n "; },
             {"message"}},
        Case{"message nine characters", LeadKind::contact, [](LeadFields& f) { f.message = "Too short"; },
             {"message"}},
        Case{"message ten characters", LeadKind::contact, [](LeadFields& f) { f.message = "Just right"; }, {}},
        Case{"message 5000 characters", LeadKind::contact, [](LeadFields& f) { f.message = std::string(5000, 'm'); },
             {}},
        Case{"message 5001 characters", LeadKind::contact, [](LeadFields& f) { f.message = std::string(5001, 'm'); },
             {"message"}},
        Case{"message with newlines", LeadKind::contact,
             [](LeadFields& f) { f.message = "Line one\r\nLine two\rLine three\n"; }, {}},
        Case{"message with a tab", LeadKind::contact, [](LeadFields& f) { f.message = "Column\tcolumn two"; },
             {"message"}},
        Case{"message optional for quote", LeadKind::quote, [](LeadFields& f) { f.message.clear(); }, {}},
        Case{"consent missing", LeadKind::contact, [](LeadFields& f) { f.consent = false; }, {"consent"}},
        Case{"unknown service", LeadKind::quote, [](LeadFields& f) { f.services = {"data-annotation", "nope"}; },
             {"services"}},
        Case{"no services is fine", LeadKind::quote, [](LeadFields& f) { f.services.clear(); }, {}},
        Case{"unknown data type", LeadKind::quote, [](LeadFields& f) { f.data_type = "holograms"; },
             {"data_type"}},
        Case{"unknown timeline", LeadKind::quote, [](LeadFields& f) { f.timeline = "yesterday"; }, {"timeline"}},
        Case{"unknown budget", LeadKind::quote, [](LeadFields& f) { f.budget_range = "1 dollar"; },
             {"budget_range"}},
        Case{"unknown company size", LeadKind::demo, [](LeadFields& f) { f.company_size = "huge"; },
             {"company_size"}},
        Case{"upload id shape", LeadKind::quote, [](LeadFields& f) { f.upload_id = "../../etc/passwd"; },
             {"upload_id"}},
        Case{"upload id ok", LeadKind::quote, [](LeadFields& f) { f.upload_id = "u_0123456789abcdef"; }, {}},
        Case{"quote fields on a contact", LeadKind::contact,
             [](LeadFields& f) {
               f.data_type = "images";
               f.services = {"data-annotation"};
             },
             {"data_type", "services"}},
        Case{"demo fields on a quote", LeadKind::quote, [](LeadFields& f) { f.company_size = "1-49"; },
             {"company_size"}},
        Case{"several problems in form order", LeadKind::contact,
             [](LeadFields& f) {
               f.consent = false;
               f.email = "nope";
               f.name.clear();
             },
             {"name", "email", "consent"}}));

TEST(LeadValidation, NormalisesBeforeChecking) {
  LeadFields f = valid_quote();
  f.name = "  \xC2\xA0 Ada Lovelace \t";
  f.email = "  Ada.Lovelace@Example.COM ";
  f.message = "One\r\nTwo\rThree";
  f.services = {" data-curation ", "data-curation", "data-annotation", ""};
  ASSERT_TRUE(normalise_and_validate(LeadKind::quote, f, kServices).empty());
  EXPECT_EQ(f.name, "Ada Lovelace");
  EXPECT_EQ(f.email, "Ada.Lovelace@example.com") << "the local part keeps its case, the domain does not";
  EXPECT_EQ(f.message, "One\nTwo\nThree");
  EXPECT_EQ(f.services, (std::vector<std::string>{"data-curation", "data-annotation"}));
}

TEST(LeadValidation, MessagesAreForPeople) {
  LeadFields f = valid_contact();
  f.name = std::string(120, 'x');
  f.phone = "call me";
  const auto errors = normalise_and_validate(LeadKind::contact, f, kServices);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].message, "Use at most 100 characters (you entered 120).");
  EXPECT_NE(errors[1].message.find("+44 20 7946 0000"), std::string::npos);
}

TEST(LeadValidation, SqlMetacharactersAreJustText) {
  LeadFields f = valid_contact();
  f.name = "Robert'); DROP TABLE leads;--";
  f.message = "'; DELETE FROM jobs WHERE '1'='1 -- \" % _ \\";
  const LeadFields before = f;
  EXPECT_TRUE(normalise_and_validate(LeadKind::contact, f, kServices).empty());
  EXPECT_EQ(f.name, before.name);
  EXPECT_EQ(f.message, before.message);
}

TEST(LeadValidation, Utf8Checker) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));   // U+1F600
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));          // truncated
  EXPECT_EQ(character_count("a\xC3\xA9\xF0\x9F\x98\x80"), 3u);
}

TEST(LeadIds, AreUnguessableBase32AndDistinct) {
  std::vector<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.push_back(new_lead_id());
  for (const auto& id : ids) {
    EXPECT_EQ(id.size(), 26u);
    EXPECT_TRUE(is_lead_id(id)) << id;
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::unique(ids.begin(), ids.end()), ids.end());
  EXPECT_FALSE(is_lead_id("ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
  EXPECT_FALSE(is_lead_id("<script>alert(1)</script>"));
}

TEST(LeadChoices, KindsAndChoicesRoundTrip) {
  for (const LeadKind kind : kLeadKinds) EXPECT_EQ(parse_kind(kind_name(kind)), kind);
  EXPECT_FALSE(parse_kind("Contact"));
  EXPECT_EQ(choice_label(budget_range_choices(), "10k-50k"), "US$10,000–50,000");
  EXPECT_EQ(choice_label(budget_range_choices(), "other"), "other");
  ASSERT_TRUE(field_rule(LeadKind::contact, "message"));
  EXPECT_TRUE(field_rule(LeadKind::contact, "message")->required);
  EXPECT_FALSE(field_rule(LeadKind::quote, "message")->required);
  EXPECT_FALSE(field_rule(LeadKind::contact, "services"));
}

}  // namespace
}  // namespace iv::leads
