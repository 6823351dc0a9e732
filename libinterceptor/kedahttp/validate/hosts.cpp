#include <kedahttp/validate/hosts.hpp>

namespace kedahttp::validate {

std::string
strip_port(std::string_view host)
{
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    return std::string(close == std::string_view::npos ? host : host.substr(0, close + 1));
  }
  const size_t colon = host.rfind(':');
  if (colon != std::string_view::npos && host.find(':') == colon) {
    return std::string(host.substr(0, colon));
  }
  return std::string(host);
}

bool
is_wildcard(std::string_view host)
{
  return host.size() > 2 && host.substr(0, 2) == "*.";
}

bool
interceptor_covers(std::string_view pattern, std::string_view host)
{
  if (pattern.empty() || pattern == "*" || pattern == host) {
    return true;
  }
  if (!is_wildcard(pattern)) {
    return false;
  }
  const std::string_view dot_suffix = pattern.substr(1); // ".example.com"
  if (is_wildcard(host)) {
    const std::string_view rest = host.substr(1);
    return rest == dot_suffix || rest.ends_with(dot_suffix);
  }
  return host.size() > dot_suffix.size() && host.ends_with(dot_suffix);
}

bool
route_wildcard_contains(std::string_view wildcard, std::string_view host)
{
  if (!is_wildcard(wildcard) || is_wildcard(host)) {
    return false;
  }
  const std::string_view dot_suffix = wildcard.substr(1);
  return host.size() > dot_suffix.size() && host.ends_with(dot_suffix);
}

namespace {

std::string_view
trim_slashes(std::string_view path)
{
  while (!path.empty() && path.front() == '/') {
    path.remove_prefix(1);
  }
  while (!path.empty() && path.back() == '/') {
    path.remove_suffix(1);
  }
  return path;
}

} // namespace

bool
path_prefix_covers(std::string_view prefix, std::string_view path)
{
  prefix = trim_slashes(prefix);
  path = trim_slashes(path);
  if (prefix.empty() || prefix == path) {
    return true;
  }
  return path.size() > prefix.size() && path.substr(0, prefix.size()) == prefix && path[prefix.size()] == '/';
}

} // namespace kedahttp::validate
