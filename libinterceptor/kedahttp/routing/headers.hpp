#pragma once

// Request headers as routing sees them, and the header matchers of a rule
// (interceptor.md 2.2 "Header matching", upstream MatchHeaders).

#include <kedahttp/spec/objects.hpp>

#include <span>
#include <string_view>

namespace kedahttp::routing {

// --- Interface ---

// One request header line, viewed in the caller's parse buffer. Every line is its own field
// (two `X-A` lines are two fields); `value` without the surrounding whitespace, not split on
// commas.
struct HeaderField {
  std::string_view name;
  std::string_view value;
};

using Headers = std::span<const HeaderField>;

// True when `a` and `b` are equal ignoring ASCII case, as Go's canonical header keys compare.
bool equals_ignore_case(std::string_view a, std::string_view b);

// True when every matcher of `matchers` holds (AND; no matchers: true):
// - without a value, at least one field with that name exists (its value may be empty);
// - with a value, some field with that name has exactly that value (case-sensitive, whole line).
// Names compare ignoring ASCII case. A `Host` field never counts: Go moves it out of the header
// map into Request.Host, so upstream's matchers can never see it.
bool match_headers(std::span<const spec::HeaderMatch> matchers, Headers headers);

// The same check for one matcher.
bool match_header(const spec::HeaderMatch& matcher, Headers headers);

} // namespace kedahttp::routing
