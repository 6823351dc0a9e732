#pragma once

// Go-compatible duration parsing: the InterceptorRoute CRD stores durations as
// plain strings and the add-on decodes them with Go's time.ParseDuration, so we
// must accept and reject exactly what Go does.

#include <chrono>
#include <string>
#include <string_view>

#include <kedahttp/util/expected.hpp>

namespace kedahttp::util {

// --- Interface ---

// Parses "300ms", "1.5h", "2h45m", "-1s", "0" like time.ParseDuration.
// Units: ns, us, µs, μs, ms, s, m, h. Returns a message on failure.
Expected<std::chrono::nanoseconds> parse_go_duration(std::string_view text);

// Formats like Go's Duration.String(): "1m30s", "500ms", "0s".
std::string format_go_duration(std::chrono::nanoseconds duration);

} // namespace kedahttp::util
