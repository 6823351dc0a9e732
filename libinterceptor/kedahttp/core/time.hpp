#pragma once

// Time as values. The sans-IO core (routing, queue, hold, proxy) is always told
// `now`; only the drivers (net, sim) own a clock. Both use these types, so a
// scenario in virtual time exercises exactly the decisions `serve` makes.

#include <chrono>

namespace kedahttp::core {

using Duration = std::chrono::nanoseconds;
// A point on a monotonic timeline: steady_clock's in `net`, a virtual clock's in tests and `sim`.
using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;

// Marks "no deadline".
inline constexpr TimePoint k_never = TimePoint::max();

} // namespace kedahttp::core
