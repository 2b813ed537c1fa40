#include "leads/recaptcha_verifier.h"

#include <boost/json.hpp>

#include "integrations/http_client.h"

namespace iv::leads {

std::string form_encode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') || (byte >= '0' && byte <= '9') ||
        c == '-' || c == '_' || c == '.' || c == '*') {
      out.push_back(c);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0F]);
    }
  }
  return out;
}

RecaptchaVerifier::RecaptchaVerifier(RecaptchaSettings settings, integrations::HttpClient& http)
    : settings_(std::move(settings)), http_(http) {}

RecaptchaVerifier::Verdict RecaptchaVerifier::verify(std::string_view token,
                                                     std::string_view remote_address) {
  if (token.empty() || token.size() > 4096) return Verdict::failed;
  integrations::HttpRequest request;
  request.method = "POST";
  request.url = settings_.verify_url;
  request.timeout = settings_.timeout;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  request.body = "secret=" + form_encode(settings_.secret) + "&response=" + form_encode(token);
  if (!remote_address.empty()) request.body += "&remoteip=" + form_encode(remote_address);
  const auto response = http_.send(request);
  if (!response || response->status != 200) return Verdict::unavailable;
  boost::system::error_code error;
  const auto parsed = boost::json::parse(response->body, error);
  if (error || !parsed.is_object()) return Verdict::unavailable;
  const auto* success = parsed.get_object().if_contains("success");
  if (success == nullptr || !success->is_bool()) return Verdict::unavailable;
  return success->get_bool() ? Verdict::passed : Verdict::failed;
}

}  // namespace iv::leads
