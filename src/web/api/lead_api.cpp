#include "web/api/lead_api.h"

#include <chrono>
#include <cstdio>
#include <memory>

#include <boost/json.hpp>

#include "leads/lead_id.h"
#include "leads/lead_submissions.h"
#include "leads/lead_summary.h"
#include "leads/lead_validation.h"
#include "security/altcha.h"
#include "web/api/problem.h"
#include "web/api/rfc3339.h"
#include "web/lead_intake.h"

namespace iv::web {
namespace {

namespace json = boost::json;
constexpr std::string_view kChannel = "api";

bool is_json(const Request& request) {
  const auto type = request.header("content-type");
  if (!type) return false;
  const std::string_view media = leads::trim(type->substr(0, type->find(';')));
  return iequals(media, "application/json");
}

// RFC 9110 token-ish: 1–255 visible ASCII characters.
bool is_valid_idempotency_key(std::string_view key) {
  return !key.empty() && key.size() <= 255 &&
         std::all_of(key.begin(), key.end(), [](char c) { return c >= 0x21 && c <= 0x7E; });
}

Response json_response(int status, const json::object& body) {
  Response response;
  response.status = status;
  response.headers = {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}};
  response.body = json::serialize(body);
  return response;
}

struct ApiInput {
  leads::LeadFields fields;
  std::string altcha;
  std::string recaptcha;
  std::vector<FieldError> type_errors;  // members of the wrong JSON type, unknown members
};

ApiInput read_input(const json::object& body) {
  ApiInput input;
  leads::LeadFields& f = input.fields;
  for (const auto& member : body) {
    const std::string_view name = member.key();
    const json::value& value = member.value();
    if (name == "services") {
      bool ok = value.is_array() || value.is_null();
      if (value.is_array()) {
        for (const auto& item : value.get_array()) {
          if (!item.is_string()) {
            ok = false;
            break;
          }
          f.services.emplace_back(item.get_string());
        }
      }
      if (!ok) input.type_errors.push_back({"services", "Must be an array of service slugs (strings)."});
      continue;
    }
    if (name == "consent") {
      if (value.is_bool()) {
        f.consent = value.get_bool();
      } else {
        input.type_errors.push_back({"consent", "Must be true: the visitor agrees to the privacy policy."});
      }
      continue;
    }
    std::string* field = leads::text_field(f, name);
    if (name == "altcha") field = &input.altcha;
    if (name == "g-recaptcha-response") field = &input.recaptcha;
    if (field == nullptr) {
      input.type_errors.push_back({std::string(name), "Unknown field."});
    } else if (value.is_string()) {
      *field = std::string(value.get_string());
    } else if (!value.is_null()) {
      input.type_errors.push_back({std::string(name), "Must be a string."});
    }
  }
  return input;
}

}  // namespace

std::string_view lead_api_path(leads::LeadKind kind) {
  switch (kind) {
    case leads::LeadKind::contact:
      return "/api/v1/contact";
    case leads::LeadKind::demo:
      return "/api/v1/demo-request";
    case leads::LeadKind::quote:
      return "/api/v1/quote-request";
  }
  return "/api/v1/contact";
}

LeadApi::LeadApi(LeadIntake& intake, const security::Altcha& altcha) : intake_(intake), altcha_(altcha) {}

void LeadApi::register_routes(Router& router) {
  const RouteOptions api{.max_body_bytes = 64 * 1024, .kind = RouteOptions::Kind::api};
  for (const leads::LeadKind kind : leads::kLeadKinds) {
    router.add(
        Method::post, std::string(lead_api_path(kind)),
        [this, kind](const Request& r, const RouteParams&) { return submit(kind, r); }, api);
  }
  router.add(
      Method::get, "/api/v1/challenge", [this](const Request&, const RouteParams&) { return challenge(); },
      api);
  router.add(
      Method::get, "/api/v1/leads/{id}",
      [this](const Request& r, const RouteParams& p) { return receipt(r, p.get("id")); }, api);
}

Response LeadApi::challenge() {
  const auto made = altcha_.create(intake_.now());
  return json_response(200, json::object{{"algorithm", made.algorithm},
                                         {"challenge", made.challenge},
                                         {"salt", made.salt},
                                         {"signature", made.signature},
                                         {"maxnumber", made.maxnumber}});
}

Response LeadApi::receipt(const Request& request, std::string_view id) {
  const auto found = leads::is_lead_id(id) ? intake_.submissions().receipt(id) : std::nullopt;
  if (!found) return problem_response(404, "No submission has this id.", "not-found", {}, request.path);
  return json_response(200, json::object{{"id", found->id},
                                         {"kind", leads::kind_name(found->kind)},
                                         {"status", "received"},
                                         {"received_at", rfc3339_utc(found->created_at)}});
}

Response LeadApi::submit(leads::LeadKind kind, const Request& request) {
  const std::string path = request.path;
  if (!is_json(request)) {
    intake_.count(kChannel, "unsupported_media_type");
    return problem_response(415, "Send the request body as JSON with Content-Type: application/json.",
                            "unsupported-media-type", {}, path);
  }
  const std::string key(request.header("idempotency-key").value_or(""));
  if (request.header("idempotency-key") && !is_valid_idempotency_key(key)) {
    intake_.count(kChannel, "malformed");
    return problem_response(400, "The Idempotency-Key header must be 1 to 255 visible ASCII characters.",
                            "invalid-idempotency-key", {}, path);
  }
  boost::system::error_code parse_error;
  const json::value body = json::parse(request.body, parse_error);
  if (parse_error || !body.is_object()) {
    intake_.count(kChannel, "malformed");
    return problem_response(400, "The body must be a JSON object in UTF-8.", "malformed-json", {}, path);
  }
  auto input = std::make_shared<ApiInput>(read_input(body.get_object()));

  // Field problems first: they cost the client nothing to fix, and checking
  // them does not spend the challenge.
  auto errors = intake_.submissions().validate(kind, input->fields, intake_.known_services());
  std::vector<FieldError> problems = input->type_errors;
  for (const auto& error : errors) {
    const bool typed = std::any_of(problems.begin(), problems.end(),
                                   [&](const FieldError& p) { return p.field == error.field; });
    if (!typed) problems.push_back({error.field, error.message});
  }
  if (!problems.empty()) {
    intake_.count(kChannel, "invalid");
    return problem_response(422, "Some fields are missing or not valid.", "invalid-fields",
                            std::move(problems), path);
  }

  if (auto earlier = intake_.submissions().earlier_outcome(kind, key, input->fields)) {
    if (earlier->status == leads::SubmitOutcome::Status::key_reused) {
      intake_.count(kChannel, "key_reused");
      return problem_response(422, "This Idempotency-Key was already used for a different request.",
                              "idempotency-key-reused", {}, path);
    }
    intake_.count(kChannel, "repeated");
    Response response = json_response(201, json::object{{"id", earlier->id}});
    response.headers.push_back({"Location", "/api/v1/leads/" + earlier->id});
    return response;
  }

  ChallengeInput proof{.altcha = input->altcha,
                       .recaptcha = input->recaptcha,
                       .remote_address = request.remote_address,
                       .required = true};
  const std::string address = request.remote_address;
  return respond_when_ready([&](std::function<void(Response)> reply) {
    intake_.check_challenge(std::move(proof), [this, kind, input, key, address, path,
                                               reply](ChallengeResult result) {
      if (!result.passed) {
        intake_.count(kChannel, "challenge_failed");
        const std::string message =
            result.failure == "missing"
                ? "Solve a challenge from GET /api/v1/challenge and send the payload as altcha."
                : "The challenge solution was not accepted (" + result.failure +
                      "). Solve a new challenge from GET /api/v1/challenge.";
        reply(problem_response(422, "The proof of work is missing or not valid.", "challenge-failed",
                               {{"altcha", message}}, path));
        return;
      }
      if (const auto wait = intake_.take_rate_limits(address, input->fields.email, *result.passed)) {
        intake_.count(kChannel, "rate_limited");
        Response response = problem_response(
            429, "Too many submissions; try again after the Retry-After interval.", "rate-limited", {}, path);
        response.headers.push_back({"Retry-After", std::to_string(wait->count())});
        reply(std::move(response));
        return;
      }
      leads::Submission submission{.kind = kind,
                                   .fields = std::move(input->fields),
                                   .challenge = *result.passed,
                                   .source = "api",
                                   .idempotency_key = key};
      intake_.submissions().submit(std::move(submission), [this, path, reply](leads::SubmitOutcome outcome) {
        switch (outcome.status) {
          case leads::SubmitOutcome::Status::accepted: {
            intake_.count(kChannel, outcome.repeated ? "repeated" : "accepted");
            Response response = json_response(201, json::object{{"id", outcome.id}});
            response.headers.push_back({"Location", "/api/v1/leads/" + outcome.id});
            reply(std::move(response));
            return;
          }
          case leads::SubmitOutcome::Status::key_reused:
            intake_.count(kChannel, "key_reused");
            reply(problem_response(422, "This Idempotency-Key was already used for a different request.",
                                   "idempotency-key-reused", {}, path));
            return;
          case leads::SubmitOutcome::Status::unavailable: {
            intake_.count(kChannel, "unavailable");
            Response response = problem_response(
                503, "The submission could not be stored; nothing was saved. Try again shortly.",
                "unavailable", {}, path);
            response.headers.push_back({"Retry-After", "5"});
            reply(std::move(response));
            return;
          }
        }
      });
    });
  });
}

}  // namespace iv::web
