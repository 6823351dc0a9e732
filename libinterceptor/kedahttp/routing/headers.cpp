#include <kedahttp/routing/headers.hpp>

namespace kedahttp::routing {

namespace {

constexpr char
lower(char c)
{
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

} // namespace

bool
equals_ignore_case(std::string_view a, std::string_view b)
{
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

bool
match_header(const spec::HeaderMatch& matcher, Headers headers)
{
  if (equals_ignore_case(matcher.name, "host")) {
    return false;
  }
  for (const HeaderField& field : headers) {
    if (equals_ignore_case(field.name, matcher.name) && (!matcher.value || field.value == *matcher.value)) {
      return true;
    }
  }
  return false;
}

bool
match_headers(std::span<const spec::HeaderMatch> matchers, Headers headers)
{
  for (const spec::HeaderMatch& matcher : matchers) {
    if (!match_header(matcher, headers)) {
      return false;
    }
  }
  return true;
}

} // namespace kedahttp::routing
