#include <kedahttp/routing/route_key.hpp>

namespace kedahttp::routing {

std::string_view
trim_slashes(std::string_view path)
{
  const size_t first = path.find_first_not_of('/');
  if (first == std::string_view::npos) {
    return {};
  }
  const size_t last = path.find_last_not_of('/');
  return path.substr(first, last - first + 1);
}

std::string
make_key(std::string_view hostname, std::string_view path)
{
  const std::string_view trimmed = trim_slashes(path);
  std::string key;
  key.reserve(hostname.size() + trimmed.size() + 2);
  key.append(hostname);
  key.push_back('/');
  if (!trimmed.empty()) {
    key.append(trimmed);
    key.push_back('/');
  }
  return key;
}

bool
is_catch_all_host(std::string_view hostname)
{
  return hostname.empty() || hostname == k_catch_all_host;
}

std::string_view
key_host(std::string_view pattern)
{
  const std::string_view hostname = strip_port(pattern);
  return is_catch_all_host(hostname) ? k_catch_all_host : hostname;
}

std::vector<std::string>
rule_keys(const spec::RouteRule& rule)
{
  std::vector<std::string> keys;
  const size_t hosts = rule.hosts.empty() ? 1 : rule.hosts.size();
  const size_t paths = rule.paths.empty() ? 1 : rule.paths.size();
  keys.reserve(hosts * paths);
  for (size_t h = 0; h < hosts; ++h) {
    const std::string_view host = rule.hosts.empty() ? k_catch_all_host : key_host(rule.hosts[h].value);
    for (size_t p = 0; p < paths; ++p) {
      keys.push_back(make_key(host, rule.paths.empty() ? std::string_view() : rule.paths[p].value));
    }
  }
  return keys;
}

std::vector<std::string>
wildcard_hosts(std::string_view hostname)
{
  std::vector<std::string> out;
  for (size_t dot = hostname.find('.'); dot != std::string_view::npos; dot = hostname.find('.', dot + 1)) {
    out.push_back("*" + std::string(hostname.substr(dot)));
  }
  return out;
}

} // namespace kedahttp::routing
