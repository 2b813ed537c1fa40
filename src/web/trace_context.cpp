#include "web/trace_context.h"

#include <algorithm>
#include <cstdint>

namespace iv::web {
namespace {

bool is_lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool all_zero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
}

// Sixteen hex digits per random draw; a zero draw is replaced so that no id
// comes out all zeros, which the specification declares invalid.
template <std::size_t N>
void fill_random_hex(std::array<char, N>& out, std::mt19937_64& random) {
  static constexpr char hex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < N; i += 16) {
    std::uint64_t bits = random();
    if (bits == 0) bits = 1;
    for (std::size_t k = 0; k < 16 && i + k < N; ++k, bits >>= 4) out[i + k] = hex[bits & 0xF];
  }
}

}  // namespace

std::optional<std::string_view> trace_id_from(std::string_view traceparent) {
  if (traceparent.size() != 55 || !traceparent.starts_with("00-") || traceparent[35] != '-' ||
      traceparent[52] != '-') {
    return std::nullopt;
  }
  const std::string_view trace = traceparent.substr(3, 32);
  const std::string_view parent = traceparent.substr(36, 16);
  if (!is_lower_hex(trace) || !is_lower_hex(parent) || !is_lower_hex(traceparent.substr(53, 2))) {
    return std::nullopt;
  }
  if (all_zero(trace) || all_zero(parent)) return std::nullopt;
  return trace;
}

TraceContext next_trace_context(std::optional<std::string_view> incoming_traceparent,
                                std::mt19937_64& random) {
  TraceContext context;
  std::optional<std::string_view> incoming;
  if (incoming_traceparent) incoming = trace_id_from(*incoming_traceparent);
  if (incoming) {
    std::copy(incoming->begin(), incoming->end(), context.trace_id.begin());
  } else {
    fill_random_hex(context.trace_id, random);
  }
  fill_random_hex(context.span_id, random);
  return context;
}

void append_traceparent(std::string& out, const TraceContext& context) {
  out.append("00-").append(context.trace_id.data(), context.trace_id.size()).push_back('-');
  out.append(context.span_id.data(), context.span_id.size()).append("-01");
}

}  // namespace iv::web
