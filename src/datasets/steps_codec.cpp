#include <boost/json.hpp>

#include "datasets/upload_repository.h"

namespace iv::datasets {

namespace json = boost::json;

std::string steps_to_json(const std::vector<Step>& steps) {
  json::array out;
  for (const auto& step : steps) {
    out.push_back(json::object{{"name", step.name},
                               {"status", step_status_name(step.status)},
                               {"started_at", step.started_at_ms},
                               {"finished_at", step.finished_at_ms},
                               {"detail", step.detail}});
  }
  return json::serialize(out);
}

std::vector<Step> steps_from_json(std::string_view text) {
  std::vector<Step> steps;
  boost::system::error_code error;
  const json::value parsed = json::parse(text, error);
  if (error || !parsed.is_array()) return steps;
  for (const auto& item : parsed.get_array()) {
    const auto* object = item.if_object();
    if (!object) continue;
    Step step;
    if (const auto* name = object->if_contains("name"); name && name->is_string())
      step.name = name->get_string();
    if (const auto* status = object->if_contains("status"); status && status->is_string()) {
      step.status = parse_step_status(status->get_string()).value_or(StepStatus::pending);
    }
    if (const auto* started = object->if_contains("started_at"); started && started->is_int64()) {
      step.started_at_ms = started->get_int64();
    }
    if (const auto* finished = object->if_contains("finished_at"); finished && finished->is_int64()) {
      step.finished_at_ms = finished->get_int64();
    }
    if (const auto* detail = object->if_contains("detail"); detail && detail->is_string()) {
      step.detail = detail->get_string();
    }
    if (!step.name.empty()) steps.push_back(std::move(step));
  }
  return steps;
}

}  // namespace iv::datasets
