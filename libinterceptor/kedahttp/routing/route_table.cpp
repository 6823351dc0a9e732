#include <kedahttp/routing/route_table.hpp>

#include <kedahttp/routing/route_key.hpp>
#include <kedahttp/spec/legacy.hpp>
#include <kedahttp/util/strings.hpp>

#include <algorithm>
#include <array>
#include <compare>
#include <cstring>
#include <optional>
#include <set>
#include <utility>

// Why the table looks the way it does.
//
// Upstream stores every key in a radix tree and asks it for the longest stored key that is a
// byte-prefix of the search key "<host>/<path>/". Every stored key ends in '/', so such a key
// can only end where the search key has a '/', and it shares the search key's first segment
// (everything up to its first '/', normally "<host>/"). So the table keeps:
//   - m_slots: full key -> its entries, already in precedence order (a hash map: one probe per
//     candidate length, no tree walk, no pointer chasing through path nodes);
//   - m_groups: first segment -> the distinct lengths of the keys in that group, longest first.
// A stage then costs one hash probe when its host has no keys at all (the usual case for the
// wildcard stages) and otherwise one probe per distinct key length of that host, longest first,
// skipping lengths where the search key has no '/'. The work per request is bounded by the
// table, never by how many slashes a client puts in the path, and exactly reproduces the radix
// tree's answer, including for odd host patterns that contain a '/'.
//
// The search key is built once per request in a stack buffer. The wildcard and catch-all keys
// share its path part, so each stage writes its host prefix into that buffer in place:
// "a.b.c.com/x/" -> "*.b.c.com/x/" -> "*.c.com/x/" -> "*.com/x/" -> "*/x/", each a suffix of
// the buffer with one '*' written just before it. Nothing is allocated on the match path.

namespace kedahttp::routing {

namespace {

// metadata.creationTimestamp as a point in time; Go's zero time (0001-01-01T00:00:00Z) when
// absent or not RFC 3339, which sorts before every real timestamp, as in upstream.
struct Timestamp {
  int64_t seconds = 0; // since 1970-01-01T00:00:00Z
  int32_t nanos = 0;

  friend auto operator<=>(const Timestamp&, const Timestamp&) = default;
};

// Days from 1970-01-01 to year-month-day of the proleptic Gregorian calendar.
constexpr int64_t
days_from_civil(int64_t year, int64_t month, int64_t day)
{
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

constexpr Timestamp k_zero_time{days_from_civil(1, 1, 1) * 86400, 0};

std::optional<int>
digits(std::string_view text, size_t at, size_t count)
{
  if (at + count > text.size()) {
    return std::nullopt;
  }
  int value = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return std::nullopt;
    }
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool
leap_year(int year)
{
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

// "2024-05-06T07:08:09Z", "2024-05-06T07:08:09.5+02:00" (Go's time.RFC3339, which metav1.Time uses).
Timestamp
parse_timestamp(std::string_view text)
{
  const auto year = digits(text, 0, 4);
  const auto month = digits(text, 5, 2);
  const auto day = digits(text, 8, 2);
  const auto hour = digits(text, 11, 2);
  const auto minute = digits(text, 14, 2);
  const auto second = digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' || text[7] != '-'
      || text[10] != 'T' || text[13] != ':' || text[16] != ':') {
    return k_zero_time;
  }
  static constexpr std::array<int, 12> k_month_days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (*month < 1 || *month > 12 || *day < 1
      || *day > k_month_days[static_cast<size_t>(*month - 1)] + (*month == 2 && leap_year(*year) ? 1 : 0)
      || *hour > 23 || *minute > 59 || *second > 59) {
    return k_zero_time;
  }
  size_t at = 19;
  int32_t nanos = 0;
  if (at < text.size() && text[at] == '.') {
    ++at;
    int32_t scale = 100000000;
    const size_t start = at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      nanos += (text[at] - '0') * scale;
      scale /= 10;
      ++at;
    }
    if (at == start) {
      return k_zero_time;
    }
  }
  int64_t offset = 0;
  if (at + 1 == text.size() && text[at] == 'Z') {
    ++at;
  } else if (at + 6 == text.size() && (text[at] == '+' || text[at] == '-') && text[at + 3] == ':') {
    const auto offset_hours = digits(text, at + 1, 2);
    const auto offset_minutes = digits(text, at + 4, 2);
    if (!offset_hours || !offset_minutes || *offset_hours > 23 || *offset_minutes > 59) {
      return k_zero_time;
    }
    offset = (*offset_hours * 3600 + *offset_minutes * 60) * (text[at] == '-' ? -1 : 1);
    at += 6;
  } else {
    return k_zero_time;
  }
  const int64_t seconds =
    days_from_civil(*year, *month, *day) * 86400 + *hour * 3600 + *minute * 60 + *second - offset;
  return {seconds, nanos};
}

// The search key "<pad><host>/<path>/" in a stack buffer (a heap one for very long paths);
// key() views it from the first host byte. See the comment at the top of the file.
class SearchKey {
public:
  SearchKey(std::string_view hostname, std::string_view path)
  {
    const std::string_view trimmed = trim_slashes(path);
    m_size = 1 + hostname.size() + 1 + trimmed.size() + (trimmed.empty() ? 0 : 1);
    if (m_size > m_inline.size()) {
      m_heap.resize(m_size);
      m_data = m_heap.data();
    }
    char* out = m_data;
    *out++ = '*';
    out = std::copy(hostname.begin(), hostname.end(), out);
    *out++ = '/';
    if (!trimmed.empty()) {
      out = std::copy(trimmed.begin(), trimmed.end(), out);
      *out = '/';
    }
  }
  SearchKey(const SearchKey&) = delete;
  SearchKey& operator=(const SearchKey&) = delete;

  // The key whose host part starts `offset` bytes into the hostname, with a '*' just before
  // it: with_star(0) is the catch-all "*/<path>/" when the hostname is empty, with_star(d) for
  // the d-th byte being a '.' gives "*.<rest>/<path>/". Overwrites the byte before the suffix.
  std::string_view with_star(size_t offset)
  {
    m_data[offset] = '*';
    return {m_data + offset, m_size - offset};
  }
  // The exact-host key (call before any with_star).
  std::string_view exact() const { return {m_data + 1, m_size - 1}; }

private:
  std::array<char, 1024> m_inline; // not zeroed: every byte used is written first
  std::string m_heap;
  char* m_data = m_inline.data();
  size_t m_size = 0;
};

// `match` watches nothing; `explain` writes every step down.
struct Silent {
  void stage(std::string_view, std::string_view) {}
  void key(std::string_view, size_t) {}
  void no_key() {}
  template<typename E> void entry(const E&, bool, const spec::RouteRule&) {}
  void exhausted() {}
};

std::string
describe_headers(const std::vector<spec::HeaderMatch>& matchers)
{
  std::string out;
  for (const spec::HeaderMatch& matcher : matchers) {
    out += out.empty() ? "" : ", ";
    out += matcher.value ? matcher.name + "=" + util::quote(*matcher.value) : matcher.name + " (any value)";
  }
  return out;
}

} // namespace

RouteTable::RouteTable(const spec::ClusterState& state)
  : RouteTable(state.interceptor_routes, state.http_scaled_objects)
{
}

std::shared_ptr<const RouteTable>
RouteTable::build(const spec::ClusterState& state)
{
  return std::make_shared<const RouteTable>(state);
}

RouteTable::RouteTable(std::span<const spec::InterceptorRoute> routes, std::span<const spec::HTTPScaledObject> legacy)
{
  std::set<std::string, std::less<>> seen;
  m_routes.reserve(routes.size() + legacy.size());
  for (const spec::InterceptorRoute& route : routes) {
    if (seen.insert(route.meta.ns + "/" + route.meta.name).second) {
      add(route, false);
    }
  }
  for (const spec::HTTPScaledObject& hso : legacy) {
    if (seen.insert(hso.meta.ns + "/" + hso.meta.name).second) {
      add(spec::to_interceptor_route(hso), true);
    }
  }
  index();
}

void
RouteTable::add(spec::InterceptorRoute route, bool legacy)
{
  std::string key = route.meta.ns + "/" + route.meta.name;
  m_routes.push_back(Route{std::move(route), std::move(key), legacy});
}

void
RouteTable::index()
{
  for (const Route& route : m_routes) {
    m_keys.push_back(route.key);
  }
  std::sort(m_keys.begin(), m_keys.end());
  m_keys.erase(std::unique(m_keys.begin(), m_keys.end()), m_keys.end());

  std::vector<Timestamp> created;
  created.reserve(m_routes.size());
  for (const Route& route : m_routes) {
    created.push_back(parse_timestamp(route.route.meta.creation_timestamp));
  }

  // Every (key, entry), in input order so that ties keep it.
  std::vector<std::pair<std::string, Entry>> all;
  for (uint32_t r = 0; r < m_routes.size(); ++r) {
    const std::vector<spec::RouteRule>& rules = m_routes[r].route.rules;
    for (uint32_t k = 0; k < rules.size(); ++k) {
      Entry entry{r, k, static_cast<uint32_t>(rules[k].headers.size()), 0};
      for (const spec::HeaderMatch& matcher : rules[k].headers) {
        entry.valued_count += matcher.value ? 1 : 0;
      }
      for (std::string& key : rule_keys(rules[k])) {
        all.emplace_back(std::move(key), entry);
      }
    }
  }
  // Upstream's order on one key: more header matchers first, then more matchers with a value,
  // then the older creationTimestamp, then namespace descending, then name descending.
  std::stable_sort(all.begin(), all.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) {
      return a.first < b.first;
    }
    const Entry& x = a.second;
    const Entry& y = b.second;
    if (x.header_count != y.header_count) {
      return x.header_count > y.header_count;
    }
    if (x.valued_count != y.valued_count) {
      return x.valued_count > y.valued_count;
    }
    if (created[x.route] != created[y.route]) {
      return created[x.route] < created[y.route];
    }
    const spec::ObjectMeta& mx = m_routes[x.route].route.meta;
    const spec::ObjectMeta& my = m_routes[y.route].route.meta;
    if (mx.ns != my.ns) {
      return mx.ns > my.ns;
    }
    return mx.name > my.name;
  });

  m_entries.reserve(all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    if (i == 0 || all[i].first != all[i - 1].first) {
      const std::string& key = all[i].first;
      m_slots.emplace(key, Slot{static_cast<uint32_t>(m_entries.size()), 0});
      std::vector<uint32_t>& lengths = m_groups[key.substr(0, key.find('/') + 1)];
      lengths.push_back(static_cast<uint32_t>(key.size()));
    }
    m_slots.find(all[i].first)->second.count += 1;
    m_entries.push_back(all[i].second);
  }
  for (auto& [segment, lengths] : m_groups) {
    std::sort(lengths.begin(), lengths.end(), std::greater<>());
    lengths.erase(std::unique(lengths.begin(), lengths.end()), lengths.end());
  }
}

const std::pair<const std::string, RouteTable::Slot>*
RouteTable::longest_key(std::string_view search_key) const
{
  const size_t slash = search_key.find('/');
  const auto group = m_groups.find(search_key.substr(0, slash + 1));
  if (group == m_groups.end()) {
    return nullptr;
  }
  for (const uint32_t length : group->second) {
    if (length > search_key.size() || search_key[length - 1] != '/') {
      continue;
    }
    const auto slot = m_slots.find(search_key.substr(0, length));
    if (slot != m_slots.end()) {
      return &*slot;
    }
  }
  return nullptr;
}

template<typename Visitor>
const Route*
RouteTable::walk(std::string_view host_header, std::string_view path, Headers headers, Visitor& visitor) const
{
  const std::string_view hostname = strip_port(host_header);
  SearchKey search(hostname, path);

  // One stage: the longest key only, then its entries in order.
  auto stage = [&](std::string_view name, std::string_view key) -> const Route* {
    visitor.stage(name, key);
    const auto* found = longest_key(key);
    if (!found) {
      visitor.no_key();
      return nullptr;
    }
    const Slot* slot = &found->second;
    visitor.key(found->first, slot->count);
    for (uint32_t i = slot->first; i < slot->first + slot->count; ++i) {
      const Entry& entry = m_entries[i];
      const spec::RouteRule& rule = m_routes[entry.route].route.rules[entry.rule];
      const bool matched = entry.header_count == 0 || match_headers(rule.headers, headers);
      visitor.entry(entry, matched, rule);
      if (matched) {
        return &m_routes[entry.route];
      }
    }
    visitor.exhausted();
    return nullptr;
  };

  if (const Route* route = stage("exact host", search.exact())) {
    return route;
  }
  for (size_t dot = hostname.find('.'); dot != std::string_view::npos; dot = hostname.find('.', dot + 1)) {
    // The '.' sits at buffer offset dot + 1, so the '*' goes at offset dot.
    if (const Route* route = stage("wildcard", search.with_star(dot))) {
      return route;
    }
  }
  return stage("catch-all", search.with_star(hostname.size()));
}

const Route*
RouteTable::match(std::string_view host_header, std::string_view path, Headers headers) const
{
  if (m_slots.empty()) {
    return nullptr;
  }
  Silent silent;
  return walk(host_header, path, headers, silent);
}

const Route*
RouteTable::find(std::string_view key) const
{
  for (const Route& route : m_routes) {
    if (route.key == key) {
      return &route;
    }
  }
  return nullptr;
}

std::string
RouteTable::describe(const Entry& entry) const
{
  const Route& route = m_routes[entry.route];
  std::string out = route.key + " (" + (route.legacy ? "HTTPScaledObject" : "InterceptorRoute");
  if (!route.legacy) {
    out += ", rule " + std::to_string(entry.rule);
  }
  const std::vector<spec::HeaderMatch>& matchers = route.route.rules[entry.rule].headers;
  out += matchers.empty() ? ", no header matchers" : ", headers " + describe_headers(matchers);
  if (!route.route.meta.creation_timestamp.empty()) {
    out += ", created " + route.route.meta.creation_timestamp;
  }
  return out + ")";
}

std::vector<std::string>
RouteTable::explain(std::string_view host_header, std::string_view path, Headers headers) const
{
  struct Recorder {
    const RouteTable& table;
    Headers headers;
    std::vector<std::string> lines;
    size_t position = 0;

    void stage(std::string_view name, std::string_view key)
    {
      lines.push_back(std::string(name) + ": search key " + util::quote(key));
      position = 0;
    }
    void no_key() { lines.push_back("  no stored key is a prefix of it"); }
    void key(std::string_view stored, size_t count)
    {
      lines.push_back("  longest stored key " + util::quote(stored) + ": " + std::to_string(count)
                      + (count == 1 ? " entry" : " entries"));
    }
    void entry(const Entry& e, bool matched, const spec::RouteRule& rule)
    {
      std::string line = "  entry " + std::to_string(++position) + ": " + table.describe(e) + ": ";
      if (matched) {
        line += "matches";
      } else {
        line += "no match:";
        for (const spec::HeaderMatch& matcher : rule.headers) {
          if (!match_header(matcher, headers)) {
            line += " header " + util::quote(matcher.name)
                    + (matcher.value ? " with value " + util::quote(*matcher.value) : std::string(" (any value)"))
                    + " not present;";
          }
        }
        line.pop_back();
      }
      lines.push_back(std::move(line));
    }
    void exhausted()
    {
      lines.push_back("  no entry matches; shorter keys of this stage are not tried");
    }
  };

  Recorder recorder{*this, headers, {}, 0};
  const std::string_view hostname = strip_port(host_header);
  recorder.lines.push_back("request: host " + util::quote(host_header) + " -> hostname " + util::quote(hostname)
                           + ", path " + util::quote(path) + ", " + std::to_string(headers.size())
                           + (headers.size() == 1 ? " header" : " headers"));
  const Route* route = walk(host_header, path, headers, recorder);
  recorder.lines.push_back(route ? "result: " + route->key : std::string("result: no route (404)"));
  return recorder.lines;
}

std::vector<std::string>
RouteTable::dump() const
{
  std::vector<std::pair<std::string_view, Slot>> slots(m_slots.begin(), m_slots.end());
  std::sort(slots.begin(), slots.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> lines;
  for (const auto& [key, slot] : slots) {
    lines.push_back(util::quote(key) + ":");
    for (uint32_t i = slot.first; i < slot.first + slot.count; ++i) {
      lines.push_back("  " + std::to_string(i - slot.first + 1) + ". " + describe(m_entries[i]));
    }
  }
  return lines;
}

} // namespace kedahttp::routing
