#include "web/site/lead_pages.h"

#include <boost/json/array.hpp>

#include "leads/lead_id.h"
#include "leads/lead_submissions.h"
#include "leads/lead_validation.h"
#include "observe/log.h"
#include "security/csrf.h"
#include "web/lead_intake.h"
#include "web/site/site_common.h"
#include "web/site/site_pages.h"

namespace iv::web {
namespace {

using boost::json::object;

// Stands where the per-request CSRF token goes in a cached form page; plain
// text that HTML escaping leaves alone.
constexpr std::string_view kTokenPlaceholder = "IV-CSRF-TOKEN-PLACEHOLDER-7f3a9c";
constexpr std::string_view kChannel = "form";

bool is_urlencoded(const Request& request) {
  const auto type = request.header("content-type");
  if (!type) return false;
  const std::string_view media = type->substr(0, type->find(';'));
  return iequals(leads::trim(media), "application/x-www-form-urlencoded");
}

Response html(int status, std::string body) {
  Response response = site::html_response(status, std::move(body), "no-store");
  return response;
}

// A fetch from static/js/site.js gets the address to go to instead of a 303:
// fetch would follow the redirect and load the thank-you page once, and the
// script's navigation would load it a second time.
Response see_other(std::string location, const Request& request) {
  Response response;
  if (request.header("x-requested-with") == "fetch") {
    response.status = 200;
    response.headers = {
        {"Content-Type", "application/json"}, {"Cache-Control", "no-store"}, {"Vary", "X-Requested-With"}};
    response.body = R"({"location":")" + location + R"("})";  // our own path: /<kind>/thanks?id=<lead id>
    return response;
  }
  response.status = 303;
  response.headers = {
      {"Location", location}, {"Content-Type", "text/html; charset=utf-8"}, {"Cache-Control", "no-store"}};
  response.body = "<!doctype html><title>See other</title><p><a href=\"" + location + "\">Continue</a></p>";
  return response;
}

std::string minutes_text(std::chrono::seconds wait) {
  const auto minutes = std::max<std::int64_t>(1, (wait.count() + 59) / 60);
  return minutes == 1 ? "a minute" : std::to_string(minutes) + " minutes";
}

// Values as the visitor typed them, for showing the form again; text that is
// not valid UTF-8 is dropped rather than echoed.
void keep_value(object& values, std::string_view name, const std::string& value) {
  values[name] = leads::is_valid_utf8(value) ? value : std::string();
}

}  // namespace

struct LeadPages::FormInput {
  leads::LeadFields fields;
  object values;
  std::string csrf_token;
  std::string website;  // the honeypot
  std::string altcha;
  std::string recaptcha;
};

struct LeadPages::PostState {
  leads::LeadKind kind;
  Request request;  // path and address only: what the answer needs
  FormInput input;
  std::string token;
};

LeadPages::LeadPages(LeadPagesSettings settings, SitePages& site, LeadIntake& intake,
                     const security::CsrfProtector& csrf)
    : settings_(std::move(settings)), site_(site), intake_(intake), csrf_(csrf) {}

void LeadPages::register_routes(Router& router) {
  const RouteOptions options{.max_body_bytes = 64 * 1024, .kind = RouteOptions::Kind::html};
  for (const leads::LeadKind kind : leads::kLeadKinds) {
    const std::string path = "/" + std::string(leads::kind_name(kind));
    router.add(
        Method::get, path, [this, kind](const Request& r, const RouteParams&) { return show_form(kind, r); },
        options);
    router.add(
        Method::post, path, [this, kind](const Request& r, const RouteParams&) { return post_form(kind, r); },
        options);
    router.add(
        Method::get, path + "/thanks",
        [this, kind](const Request& r, const RouteParams&) { return thanks(kind, r); }, options);
  }
}

void LeadPages::refresh() {
  std::lock_guard lock(cache_mutex_);
  cache_.clear();
}

std::shared_ptr<const LeadPages::CachedForm> LeadPages::cached_form(leads::LeadKind kind,
                                                                    const Request& request) {
  const auto service = request.query.get("service");
  const std::string key = std::string(leads::kind_name(kind)) + "?" + std::string(service.value_or(""));
  {
    std::lock_guard lock(cache_mutex_);
    if (auto found = cache_.find(key); found != cache_.end()) return found->second;
  }
  const object extras{{"csrf_token", kTokenPlaceholder}, {"challenge_url", settings_.challenge_url}};
  const auto page = site_.render_lead_form(leads::kind_name(kind), request, {}, {}, extras);
  if (!page) return nullptr;
  const std::size_t at = page->find(kTokenPlaceholder);
  if (at == std::string::npos) throw std::logic_error("the lead form template has no csrf_token field");
  auto form = std::make_shared<const CachedForm>(
      CachedForm{page->substr(0, at), page->substr(at + kTokenPlaceholder.size())});
  std::lock_guard lock(cache_mutex_);
  cache_.emplace(key, form);  // bounded: only known kinds and services get here
  return form;
}

Response LeadPages::show_form(leads::LeadKind kind, const Request& request) {
  const auto form = cached_form(kind, request);
  if (!form) return site_.not_found_page(request);
  const auto issued = csrf_.issue(request.header("cookie").value_or(""), intake_.now());
  std::string body;
  body.reserve(form->before_token.size() + issued.form_token.size() + form->after_token.size());
  body += form->before_token;
  body += issued.form_token;
  body += form->after_token;
  Response response = html(200, std::move(body));
  if (issued.set_cookie) response.headers.push_back({"Set-Cookie", *issued.set_cookie});
  return response;
}

Response LeadPages::thanks(leads::LeadKind kind, const Request& request) {
  const auto id = request.query.get("id").value_or("");
  // Only a well-formed id is shown; anything else in the URL is ignored.
  const auto page = site_.render_lead_thanks(leads::kind_name(kind), leads::is_lead_id(id) ? id : "");
  if (!page) return site_.not_found_page(request);
  return html(200, *page);
}

Response LeadPages::form_again(leads::LeadKind kind, const Request& request, int status,
                               const FormInput& input, const object& errors, const Notice& notice,
                               const std::string& token, const std::optional<std::string>& set_cookie) {
  object extras{{"csrf_token", token},
                {"challenge_url", settings_.challenge_url},
                {"has_message", !notice.text.empty()},
                {"message_title", notice.title},
                {"message", notice.text}};
  Request bare;
  bare.path = request.path;
  const auto page = site_.render_lead_form(leads::kind_name(kind), bare, input.values, errors, extras);
  Response response = html(status, page.value_or(""));
  if (set_cookie) response.headers.push_back({"Set-Cookie", *set_cookie});
  return response;
}

Response LeadPages::post_form(leads::LeadKind kind, const Request& request) {
  const auto now = intake_.now();
  const std::string cookie(request.header("cookie").value_or(""));
  if (!is_urlencoded(request)) {
    intake_.count(kChannel, "unsupported_media_type");
    Response response = html(415,
                             "<!doctype html><title>Unsupported form encoding</title><p>Send the form as "
                             "application/x-www-form-urlencoded.</p>");
    return response;
  }
  auto input = parse_form(request.body);
  if (!input) {
    intake_.count(kChannel, "malformed");
    const auto issued = csrf_.issue(cookie, now);
    return form_again(kind, request, 400, FormInput{}, {},
                      {"We could not read the form", "Please fill it in again and send it."},
                      issued.form_token, issued.set_cookie);
  }

  const auto check =
      csrf_.verify(cookie, input->csrf_token, request.header("origin"), request.header("referer"), now);
  if (check.verdict != security::CsrfProtector::Verdict::ok) {
    intake_.count(kChannel, "csrf");
    intake_.logger().info(
        "lead form refused",
        {{"request_id", request.request_id}, {"reason", security::CsrfProtector::describe(check.verdict)}});
    const auto issued = csrf_.issue(cookie, now);
    return form_again(
        kind, request, 403, *input, {},
        {"Please send the form again",
         "For your security this form has to be sent again from this page. Your details are still "
         "here; check them and press the button once more."},
        issued.form_token, issued.set_cookie);
  }
  if (!input->website.empty()) {
    // Only bots fill in a field that people cannot see. Tell them nothing.
    intake_.count(kChannel, "honeypot");
    intake_.logger().info("lead form honeypot filled", {{"request_id", request.request_id}});
    return see_other("/" + std::string(leads::kind_name(kind)) + "/thanks", request);
  }
  if (now - check.issued_at < settings_.min_fill_time) {
    intake_.count(kChannel, "too_fast");
    return form_again(
        kind, request, 422, *input, {},
        {"Please take a moment",
         "That was very quick. Please take a moment to check your details, then send the form again."},
        input->csrf_token, std::nullopt);
  }

  auto state = std::make_shared<PostState>();
  state->kind = kind;
  state->request.path = request.path;
  state->request.remote_address = request.remote_address;
  state->request.request_id = request.request_id;
  if (auto requested_with = request.header("x-requested-with")) {
    state->request.headers.push_back({"x-requested-with", std::string(*requested_with)});
  }
  state->token = input->csrf_token;
  ChallengeInput challenge{.altcha = input->altcha,
                           .recaptcha = input->recaptcha,
                           .remote_address = request.remote_address,
                           .required = false};
  state->input = std::move(*input);

  return respond_when_ready([&](std::function<void(Response)> reply) {
    intake_.check_challenge(
        std::move(challenge),
        [this, state, reply = std::move(reply)](ChallengeResult result) { finish(state, result, reply); });
  });
}

void LeadPages::finish(const std::shared_ptr<PostState>& state, const ChallengeResult& challenge,
                       const std::function<void(Response)>& reply) {
  const leads::LeadKind kind = state->kind;
  FormInput& input = state->input;
  if (!challenge.passed) {
    intake_.count(kChannel, "challenge_failed");
    reply(
        form_again(kind, state->request, 422, input, {},
                   {"Please send the form again",
                    "The automatic check that keeps spam away did not succeed. Please press the button once "
                    "more."},
                   state->token, std::nullopt));
    return;
  }
  if (const auto wait =
          intake_.take_rate_limits(state->request.remote_address, input.fields.email, *challenge.passed)) {
    intake_.count(kChannel, "rate_limited");
    Response response =
        form_again(kind, state->request, 429, input, {},
                   {"Please try again later",
                    "We have received several requests from you in a short time. Please try again "
                    "in " +
                        minutes_text(*wait) + ", or write to us by e-mail."},
                   state->token, std::nullopt);
    response.headers.push_back({"Retry-After", std::to_string(wait->count())});
    reply(std::move(response));
    return;
  }
  const auto errors = intake_.submissions().validate(kind, input.fields, intake_.known_services());
  if (!errors.empty()) {
    intake_.count(kChannel, "invalid");
    object by_field;
    for (const auto& error : errors) {
      if (!by_field.contains(error.field)) by_field[error.field] = error.message;
    }
    reply(form_again(kind, state->request, 422, input, by_field, {}, state->token, std::nullopt));
    return;
  }
  leads::Submission submission{
      .kind = kind, .fields = input.fields, .challenge = *challenge.passed, .source = "form"};
  intake_.submissions().submit(std::move(submission), [this, state, reply](leads::SubmitOutcome outcome) {
    if (outcome.status == leads::SubmitOutcome::Status::accepted) {
      intake_.count(kChannel, "accepted");
      reply(see_other("/" + std::string(leads::kind_name(state->kind)) + "/thanks?id=" + outcome.id,
                      state->request));
      return;
    }
    intake_.count(kChannel, "unavailable");
    Response response =
        form_again(state->kind, state->request, 503, state->input, {},
                   {"Please try again in a minute",
                    "We could not save your request just now. Nothing was sent; please press the "
                    "button again in a minute."},
                   state->token, std::nullopt);
    response.headers.push_back({"Retry-After", "30"});
    reply(std::move(response));
  });
}

std::optional<LeadPages::FormInput> LeadPages::parse_form(std::string_view body) {
  const auto params = parse_query(body);
  if (!params) return std::nullopt;
  LeadPages::FormInput input;
  leads::LeadFields& f = input.fields;
  // Fields that travel with the form but are not part of the lead.
  const std::pair<std::string_view, std::string*> transport_fields[] = {
      {"csrf_token", &input.csrf_token},
      {"website", &input.website},
      {"altcha", &input.altcha},
      {"g-recaptcha-response", &input.recaptcha}};
  boost::json::array services;
  for (const auto& [name, value] : params->items()) {
    if (name == "services") {
      f.services.push_back(value);
      if (leads::is_valid_utf8(value)) services.emplace_back(value);
      continue;
    }
    if (name == "consent") {
      f.consent = value == "yes" || value == "on" || value == "true";
      continue;
    }
    std::string* target = leads::text_field(f, name);
    for (const auto& [field, transport] : transport_fields) {
      if (field == name) target = transport;
    }
    if (target != nullptr && target->empty()) *target = value;  // the first value counts
  }
  for (const std::string_view field : leads::text_field_names()) {
    keep_value(input.values, field, *leads::text_field(f, field));
  }
  input.values["services"] = std::move(services);
  if (f.consent) input.values["consent"] = "yes";
  return input;
}

}  // namespace iv::web
