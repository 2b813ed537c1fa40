// W3C Trace Context, version 00 of the traceparent header: continuing the
// caller's trace when it sends a valid one, starting a new trace otherwise.
// The server answers every request with its own traceparent and uses the
// trace id as the request id (X-Request-Id, logs).
#pragma once

#include <array>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace iv::web {

using TraceId = std::array<char, 32>;  // lower-case hex, never all zeros
using SpanId = std::array<char, 16>;   // lower-case hex, never all zeros

struct TraceContext {
  TraceId trace_id{};
  SpanId span_id{};  // this server's span: the parent-id of what it sends back
};

// The trace id of `traceparent` when it is a valid version-00 value,
// "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>" in lower-case hex
// with neither id all zeros; nullopt otherwise. The view points into
// `traceparent`.
std::optional<std::string_view> trace_id_from(std::string_view traceparent);

// The context for one exchange: the trace id of `incoming_traceparent` when
// trace_id_from accepts it, else a new random one; the span id is always new.
TraceContext next_trace_context(std::optional<std::string_view> incoming_traceparent,
                                std::mt19937_64& random);

// Appends the traceparent value "00-<trace id>-<span id>-01" (flags: sampled).
void append_traceparent(std::string& out, const TraceContext& context);

}  // namespace iv::web
