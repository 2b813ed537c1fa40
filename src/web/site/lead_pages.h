// The contact, demo and quote forms over HTML, working without JavaScript
// (post, redirect, get) and enhanced by static/js/site.js.
//
// GET /contact|/demo|/quote: the page is rendered once per content version
// with a placeholder where the CSRF token goes; each request only splices in
// a fresh token (and sets the CSRF cookie when the visitor has none), so the
// pages stay as cheap as cached ones. They are `Cache-Control: no-store`:
// every copy carries its own token.
//
// POST, in this order (DESIGN.md, issue 3):
//   urlencoded body (else 415) → CSRF token + Origin/Referer (403, form shown
//   again with the values) → honeypot field "website" filled (a bot: 303 to
//   the thank-you page, nothing stored) → minimum fill time since the token was
//   issued (422, "please take a moment") → bot check: ALTCHA payload `altcha`,
//   or reCAPTCHA `g-recaptcha-response` when configured, or none without
//   JavaScript (then a stricter rate limit) → rate limits per address and per
//   e-mail (429 with Retry-After) → validation (422: values kept, each message
//   tied to its field, a summary at the top) → group commit → 303 See Other to
//   /<kind>/thanks?id=<id>, sent only after the lead is durable (503 when it
//   could not be stored).
//
// GET /<kind>/thanks: the thank-you page (noindex).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "leads/lead.h"
#include "web/http.h"
#include "web/router.h"

namespace iv::security {
class CsrfProtector;
}

namespace iv::web {

class SitePages;
class LeadIntake;
struct ChallengeResult;

struct LeadPagesSettings {
  // A person needs a few seconds to fill in a form; a bot does not.
  std::chrono::milliseconds min_fill_time{3000};
  std::string challenge_url = "/api/v1/challenge";  // the page's script fetches ALTCHA challenges here
};

class LeadPages {
 public:
  // All references must outlive this object.
  LeadPages(LeadPagesSettings settings, SitePages& site, LeadIntake& intake,
            const security::CsrfProtector& csrf);

  // GET and POST /contact, /demo, /quote and GET /<kind>/thanks.
  void register_routes(Router& router);
  // Forgets the rendered forms (call when the content changes: service lists).
  void refresh();

 private:
  struct FormInput;
  struct PostState;
  struct CachedForm {
    std::string before_token;
    std::string after_token;
  };
  struct Notice {
    std::string title;
    std::string text;
  };

  static std::optional<FormInput> parse_form(std::string_view body);
  Response show_form(leads::LeadKind kind, const Request& request);
  Response post_form(leads::LeadKind kind, const Request& request);
  Response thanks(leads::LeadKind kind, const Request& request);

  // The part of the pipeline after the bot check; answers through `reply`.
  void finish(const std::shared_ptr<PostState>& state, const ChallengeResult& challenge,
              const std::function<void(Response)>& reply);
  // The form again, with the visitor's values, errors, a notice and the token.
  Response form_again(leads::LeadKind kind, const Request& request, int status, const FormInput& input,
                      const boost::json::object& errors, const Notice& notice, const std::string& token,
                      const std::optional<std::string>& set_cookie);
  std::shared_ptr<const CachedForm> cached_form(leads::LeadKind kind, const Request& request);

  LeadPagesSettings settings_;
  SitePages& site_;
  LeadIntake& intake_;
  const security::CsrfProtector& csrf_;
  std::mutex cache_mutex_;
  std::map<std::string, std::shared_ptr<const CachedForm>, std::less<>> cache_;  // guarded by cache_mutex_
};

}  // namespace iv::web
