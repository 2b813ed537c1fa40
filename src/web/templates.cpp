#include "web/templates.h"

#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <boost/json.hpp>
#include <kainjow/mustache.hpp>

namespace iv::web {
namespace {

namespace mustache = kainjow::mustache;
using MustacheData = mustache::data;

constexpr std::string_view kExtension = ".mustache";

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("template: cannot read " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw std::runtime_error("template: cannot read " + file.string());
  return std::move(text).str();
}

// "pages/home.mustache" under `dir` -> "pages/home", with '/' on every platform.
std::string template_name(const std::filesystem::path& dir, const std::filesystem::path& file) {
  std::string name = file.lexically_relative(dir).generic_string();
  name.resize(name.size() - kExtension.size());
  return name;
}

std::string number_text(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

MustacheData to_mustache(const boost::json::value& value);

MustacheData object_to_mustache(const boost::json::object& object) {
  MustacheData data{MustacheData::type::object};
  for (const auto& item : object) data[std::string(item.key())] = to_mustache(item.value());
  return data;
}

MustacheData to_mustache(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::object:
      return object_to_mustache(value.get_object());
    case boost::json::kind::array: {
      mustache::list items;
      items.reserve(value.get_array().size());
      for (const auto& item : value.get_array()) items.push_back(to_mustache(item));
      return MustacheData{items};
    }
    case boost::json::kind::string:
      return MustacheData{std::string(value.get_string())};
    case boost::json::kind::int64:
      return MustacheData{std::to_string(value.get_int64())};
    case boost::json::kind::uint64:
      return MustacheData{std::to_string(value.get_uint64())};
    case boost::json::kind::double_:
      return MustacheData{number_text(value.get_double())};
    case boost::json::kind::bool_:
      return MustacheData{value.get_bool()};
    case boost::json::kind::null:
      break;
  }
  return MustacheData{false};
}

// The lookup stack for one render. Names resolve as the Mustache spec says:
// the first part of a dotted name is searched from the innermost context
// outwards, the remaining parts only inside what the first part found.
// Partials resolve against the engine's templates, never against data, so
// a context value can never be mistaken for template text.
class RenderContext final : public mustache::basic_context<std::string> {
 public:
  RenderContext(const MustacheData* root, const std::map<std::string, std::string, std::less<>>& sources)
      : sources_(sources) {
    stack_.push_back(root);
  }

  void push(const MustacheData* data) override { stack_.push_back(data); }
  void pop() override { stack_.pop_back(); }

  const MustacheData* get(const std::string& name) const override {
    if (name == ".") return stack_.back();
    const auto dot = name.find('.');
    const std::string first = name.substr(0, dot);
    const MustacheData* found = nullptr;
    for (auto it = stack_.rbegin(); it != stack_.rend() && found == nullptr; ++it) found = (*it)->get(first);
    std::size_t start = dot;
    while (found != nullptr && start != std::string::npos) {
      const auto next = name.find('.', start + 1);
      found = found->get(
          name.substr(start + 1, next == std::string::npos ? std::string::npos : next - start - 1));
      start = next;
    }
    return found;
  }

  const MustacheData* get_partial(const std::string& name) const override {
    if (const auto cached = partials_.find(name); cached != partials_.end()) return &cached->second;
    const auto source = sources_.find(name);
    if (source == sources_.end()) {
      missing_partial_ = name;
      return nullptr;
    }
    return &partials_.emplace(name, MustacheData{source->second}).first->second;
  }

  const std::string& missing_partial() const { return missing_partial_; }

 private:
  const std::map<std::string, std::string, std::less<>>& sources_;
  std::vector<const MustacheData*> stack_;
  // Filled lazily during this render only; the context is never shared.
  mutable std::map<std::string, MustacheData> partials_;
  mutable std::string missing_partial_;
};

}  // namespace

TemplateEngine::TemplateEngine(const std::filesystem::path& dir) {
  std::error_code error;
  auto entries = std::filesystem::recursive_directory_iterator(dir, error);
  if (error)
    throw std::runtime_error("template: cannot read directory " + dir.string() + ": " + error.message());
  for (const auto& entry : entries) {
    const auto& file = entry.path();
    if (!entry.is_regular_file() || !file.filename().string().ends_with(kExtension)) continue;
    std::string source = read_file(file);
    const mustache::mustache parsed{source};
    if (!parsed.is_valid()) {
      throw std::runtime_error("template: " + file.string() + ": " + parsed.error_message());
    }
    sources_.emplace(template_name(dir, file), std::move(source));
  }
}

std::string TemplateEngine::render(std::string_view name, const boost::json::object& context) const {
  const auto source = sources_.find(name);
  if (source == sources_.end()) throw std::out_of_range("template: unknown template " + std::string(name));

  mustache::mustache parsed{source->second};
  const MustacheData data = object_to_mustache(context);
  RenderContext render_context(&data, sources_);
  std::string output = parsed.render(render_context);
  if (!parsed.is_valid()) {
    throw std::runtime_error("template: rendering " + std::string(name) + ": " + parsed.error_message());
  }
  if (!render_context.missing_partial().empty()) {
    throw std::runtime_error("template: rendering " + std::string(name) + ": unknown partial " +
                             render_context.missing_partial());
  }
  return output;
}

std::vector<std::string> TemplateEngine::names() const {
  std::vector<std::string> result;
  result.reserve(sources_.size());
  for (const auto& [name, source] : sources_) result.push_back(name);
  return result;
}

}  // namespace iv::web
