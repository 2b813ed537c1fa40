#include "analysis/pii.h"

#include <gtest/gtest.h>

namespace iv::analysis {
namespace {

bool is(std::string_view value, PiiKind kind) {
  return (detect_pii(value) & (1u << static_cast<unsigned>(kind))) != 0;
}

TEST(Pii, Email) {
  EXPECT_TRUE(is("priya.sharma@example.co.in", PiiKind::email));
  EXPECT_TRUE(is("a+tag@mail.example.com", PiiKind::email));
  EXPECT_FALSE(is("@example.com", PiiKind::email));
  EXPECT_FALSE(is("name@localhost", PiiKind::email));
  EXPECT_FALSE(is("two words@example.com", PiiKind::email));
  EXPECT_FALSE(is("user@example..com", PiiKind::email));
}

TEST(Pii, PhoneNumbers) {
  EXPECT_TRUE(is("+91 98765 43210", PiiKind::phone));
  EXPECT_TRUE(is("+919876543210", PiiKind::phone));
  EXPECT_TRUE(is("9876543210", PiiKind::phone));
  EXPECT_TRUE(is("09876543210", PiiKind::phone));
  EXPECT_TRUE(is("+1 (415) 555-0100", PiiKind::phone));
  EXPECT_TRUE(is("(415) 555-0100", PiiKind::phone));
  EXPECT_FALSE(is("+91 12345 67890", PiiKind::phone));  // Indian mobiles start 6-9
  EXPECT_FALSE(is("1234567890", PiiKind::phone));
  EXPECT_FALSE(is("12345", PiiKind::phone));
  EXPECT_FALSE(is("1234567.890", PiiKind::phone));
  EXPECT_FALSE(is("2024-01-15", PiiKind::phone));
}

TEST(Pii, PaymentCardsNeedTheLuhnCheck) {
  EXPECT_TRUE(luhn_valid("79927398713"));
  EXPECT_FALSE(luhn_valid("79927398710"));
  EXPECT_TRUE(is("4111111111111111", PiiKind::payment_card));
  EXPECT_TRUE(is("4111 1111 1111 1111", PiiKind::payment_card));
  EXPECT_TRUE(is("5500-0000-0000-0004", PiiKind::payment_card));
  EXPECT_FALSE(is("4111111111111112", PiiKind::payment_card));
  EXPECT_FALSE(is("0000000000000000", PiiKind::payment_card));
}

TEST(Pii, IpAddresses) {
  EXPECT_TRUE(is("192.168.1.20", PiiKind::ip_address));
  EXPECT_TRUE(is("2001:db8::8a2e:370:7334", PiiKind::ip_address));
  EXPECT_TRUE(is("::1", PiiKind::ip_address));
  EXPECT_TRUE(is("fe80::1", PiiKind::ip_address));
  EXPECT_TRUE(is("::ffff:192.0.2.1", PiiKind::ip_address));
  EXPECT_TRUE(is("2001:0db8:0000:0000:0000:ff00:0042:8329", PiiKind::ip_address));
  EXPECT_FALSE(is("256.1.1.1", PiiKind::ip_address));
  EXPECT_FALSE(is("1.2.3", PiiKind::ip_address));
  EXPECT_FALSE(is("12:30:45", PiiKind::ip_address));
  EXPECT_FALSE(is("1::2::3", PiiKind::ip_address));
  EXPECT_FALSE(is("3.14", PiiKind::ip_address));
}

TEST(Pii, PanNumbers) {
  EXPECT_TRUE(is("ABCPE1234F", PiiKind::pan));
  EXPECT_FALSE(is("ABCXE1234F", PiiKind::pan));  // X is no holder type
  EXPECT_FALSE(is("abcpe1234f", PiiKind::pan));
  EXPECT_FALSE(is("ABCPE12345", PiiKind::pan));
}

TEST(Pii, AadhaarNeedsTheVerhoeffCheck) {
  EXPECT_TRUE(verhoeff_valid("2363"));  // the textbook example: 236 has check digit 3
  EXPECT_FALSE(verhoeff_valid("2364"));
  EXPECT_FALSE(verhoeff_valid("2336"));  // a transposition is caught
  // Exactly one check digit completes any prefix.
  int valid = 0;
  std::string number = "23456789012";
  for (char check = '0'; check <= '9'; ++check) valid += verhoeff_valid(number + check);
  EXPECT_EQ(valid, 1);
  std::string aadhaar;
  for (char check = '0'; check <= '9'; ++check) {
    if (verhoeff_valid(number + check)) aadhaar = number + check;
  }
  EXPECT_TRUE(is(aadhaar, PiiKind::aadhaar));
  EXPECT_TRUE(
      is(aadhaar.substr(0, 4) + " " + aadhaar.substr(4, 4) + " " + aadhaar.substr(8), PiiKind::aadhaar));
  std::string wrong = aadhaar;
  wrong[11] = wrong[11] == '9' ? '0' : static_cast<char>(wrong[11] + 1);
  EXPECT_FALSE(is(wrong, PiiKind::aadhaar));
  EXPECT_FALSE(is("1" + aadhaar.substr(1), PiiKind::aadhaar));  // never starts with 0 or 1
}

TEST(Pii, PlainTextIsNothing) {
  EXPECT_EQ(detect_pii("hello world"), 0);
  EXPECT_EQ(detect_pii("42"), 0);
  EXPECT_EQ(detect_pii("Mumbai"), 0);
  EXPECT_EQ(detect_pii("3.14159"), 0);
}

TEST(Pii, NameHints) {
  const auto hinted = [](std::string_view name, PiiKind kind) {
    return (pii_name_hints(name) & (1u << static_cast<unsigned>(kind))) != 0;
  };
  EXPECT_TRUE(hinted("Email", PiiKind::email));
  EXPECT_TRUE(hinted("contact_email_address", PiiKind::email));
  EXPECT_TRUE(hinted("mobileNumber", PiiKind::phone));
  EXPECT_TRUE(hinted("client_ip", PiiKind::ip_address));
  EXPECT_FALSE(hinted("description", PiiKind::ip_address));
  EXPECT_TRUE(hinted("PAN", PiiKind::pan));
  EXPECT_FALSE(hinted("company", PiiKind::pan));
  EXPECT_TRUE(hinted("aadhaar_no", PiiKind::aadhaar));
  EXPECT_TRUE(hinted("card_number", PiiKind::payment_card));
  EXPECT_TRUE(name_has_word("userId", "id"));
  EXPECT_TRUE(name_has_word("ID", "id"));
  EXPECT_FALSE(name_has_word("valid", "id"));
}

}  // namespace
}  // namespace iv::analysis
