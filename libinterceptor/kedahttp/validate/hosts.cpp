#include <kedahttp/validate/hosts.hpp>

namespace kedahttp::validate {

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
route_wildcard_contains(std::string_view wildcard, std::string_view host, bool single_label)
{
  if (!is_wildcard(wildcard)) {
    return false;
  }
  const std::string_view dot_suffix = wildcard.substr(1); // ".a.com"
  if (is_wildcard(host)) {
    // "*.x.a.com" is inside "*.a.com" for suffix matching; an Ingress wildcard
    // never reaches two labels down.
    const std::string_view rest = host.substr(1);
    return !single_label && rest.size() > dot_suffix.size() && rest.ends_with(dot_suffix);
  }
  if (host.size() <= dot_suffix.size() || !host.ends_with(dot_suffix)) {
    return false;
  }
  const std::string_view head = host.substr(0, host.size() - dot_suffix.size());
  return !single_label || head.find('.') == std::string_view::npos;
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
