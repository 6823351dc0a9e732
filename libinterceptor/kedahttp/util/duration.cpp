#include <kedahttp/util/duration.hpp>

#include <cstdint>
#include <limits>

namespace kedahttp::util {

namespace {

struct Unit {
  std::string_view name;
  int64_t nanos;
};

// Longest names first so that "ms" is not read as "m".
constexpr Unit k_units[] = {
  {"ns", 1},
  {"us", 1000},
  {"\xC2\xB5s", 1000}, // U+00B5 micro sign
  {"\xCE\xBCs", 1000}, // U+03BC Greek mu
  {"ms", 1000 * 1000},
  {"s", 1000LL * 1000 * 1000},
  {"m", 60LL * 1000 * 1000 * 1000},
  {"h", 3600LL * 1000 * 1000 * 1000},
};

} // namespace

Expected<std::chrono::nanoseconds>
parse_go_duration(std::string_view text)
{
  const std::string original(text);
  auto invalid = [&] { return Unexpected("time: invalid duration \"" + original + "\""); };

  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text == "0") {
    return std::chrono::nanoseconds(0);
  }
  if (text.empty()) {
    return invalid();
  }

  // Accumulate in long double: precise enough for the int64 nanosecond range
  // and lets us detect overflow like Go does.
  long double total = 0;
  while (!text.empty()) {
    size_t i = 0;
    long double whole = 0;
    bool had_digits = false;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      whole = whole * 10 + (text[i] - '0');
      had_digits = true;
      ++i;
    }
    long double fraction = 0;
    if (i < text.size() && text[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        fraction += (text[i] - '0') * scale;
        scale /= 10;
        had_digits = true;
        ++i;
      }
    }
    if (!had_digits) {
      return invalid();
    }
    text.remove_prefix(i);
    size_t unit_len = 0;
    while (unit_len < text.size() && text[unit_len] != '.'
           && (text[unit_len] < '0' || text[unit_len] > '9')) {
      ++unit_len;
    }
    if (unit_len == 0) {
      return Unexpected("time: missing unit in duration \"" + original + "\"");
    }
    const std::string_view unit_name = text.substr(0, unit_len);
    const Unit* unit = nullptr;
    for (const Unit& candidate : k_units) {
      if (candidate.name == unit_name) {
        unit = &candidate;
      }
    }
    if (!unit) {
      return Unexpected("time: unknown unit \"" + std::string(unit_name) + "\" in duration \""
                        + original + "\"");
    }
    text.remove_prefix(unit_len);
    total += (whole + fraction) * static_cast<long double>(unit->nanos);
    if (total > static_cast<long double>(std::numeric_limits<int64_t>::max())) {
      return invalid();
    }
  }
  const auto nanos = static_cast<int64_t>(total);
  return std::chrono::nanoseconds(negative ? -nanos : nanos);
}

std::string
format_go_duration(std::chrono::nanoseconds duration)
{
  int64_t ns = duration.count();
  if (ns == 0) {
    return "0s";
  }
  std::string sign = ns < 0 ? "-" : "";
  if (ns < 0) {
    ns = -ns;
  }
  auto fixed = [](int64_t value, int64_t unit, int digits) {
    std::string out = std::to_string(value / unit);
    int64_t rest = value % unit;
    if (rest != 0) {
      std::string frac = std::to_string(rest);
      frac.insert(0, static_cast<size_t>(digits) - frac.size(), '0');
      while (!frac.empty() && frac.back() == '0') {
        frac.pop_back();
      }
      out += "." + frac;
    }
    return out;
  };
  if (ns < 1000) {
    return sign + std::to_string(ns) + "ns";
  }
  if (ns < 1000 * 1000) {
    return sign + fixed(ns, 1000, 3) + "\xC2\xB5s";
  }
  if (ns < 1000LL * 1000 * 1000) {
    return sign + fixed(ns, 1000 * 1000, 6) + "ms";
  }
  const int64_t second = 1000LL * 1000 * 1000;
  const int64_t hours = ns / (3600 * second);
  ns -= hours * 3600 * second;
  const int64_t minutes = ns / (60 * second);
  ns -= minutes * 60 * second;
  std::string out = sign;
  if (hours > 0) {
    out += std::to_string(hours) + "h";
  }
  if (hours > 0 || minutes > 0) {
    out += std::to_string(minutes) + "m";
  }
  out += fixed(ns, second, 9) + "s";
  return out;
}

} // namespace kedahttp::util
