#include <kedahttp/util/strings.hpp>

#include <cstdio>

namespace kedahttp::util {

std::vector<std::string_view>
split(std::string_view text, char separator)
{
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

std::string
join(const std::vector<std::string>& parts, std::string_view separator)
{
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      out += separator;
    }
    out += parts[i];
  }
  return out;
}

std::string
to_lower(std::string_view text)
{
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

std::string_view
trim(std::string_view text)
{
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

namespace {

void
append_escaped(std::string& out, char c, bool json)
{
  switch (c) {
  case '"': out += "\\\""; return;
  case '\\': out += "\\\\"; return;
  case '\n': out += "\\n"; return;
  case '\r': out += "\\r"; return;
  case '\t': out += "\\t"; return;
  default: break;
  }
  const auto byte = static_cast<unsigned char>(c);
  if (byte < 0x20 || (!json && byte == 0x7f)) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), json ? "\\u%04x" : "\\x%02x", byte);
    out += buf;
    return;
  }
  out += c;
}

} // namespace

std::string
quote(std::string_view text)
{
  std::string out = "\"";
  for (char c : text) {
    append_escaped(out, c, false);
  }
  out += '"';
  return out;
}

std::string
json_escape(std::string_view text)
{
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    append_escaped(out, c, true);
  }
  return out;
}

std::string
xml_escape(std::string_view text)
{
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&apos;"; break;
    default: out += c;
    }
  }
  return out;
}

std::string_view
strip_port(std::string_view host)
{
  // Go's net.SplitHostPort, keeping only "did it succeed" and the host part.
  const size_t colon = host.rfind(':');
  if (host.empty() || colon == std::string_view::npos) {
    return host; // missing port
  }
  std::string_view name;
  size_t open_from = 0;  // no '[' may appear from here on
  size_t close_from = 0; // no ']' may appear from here on
  if (host.front() == '[') {
    const size_t end = host.find(']');
    if (end == std::string_view::npos || end + 1 != colon) {
      return host; // missing ']', missing port, or too many colons
    }
    name = host.substr(1, end - 1);
    open_from = 1;
    close_from = end + 1;
  } else {
    name = host.substr(0, colon);
    if (name.find(':') != std::string_view::npos) {
      return host; // too many colons
    }
  }
  if (host.find('[', open_from) != std::string_view::npos || host.find(']', close_from) != std::string_view::npos) {
    return host; // unexpected bracket
  }
  return name;
}

bool
is_decimal_integer(std::string_view text)
{
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    text.remove_prefix(1);
  }
  if (text.empty()) {
    return false;
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

} // namespace kedahttp::util
