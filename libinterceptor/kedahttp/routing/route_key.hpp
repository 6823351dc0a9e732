#pragma once

// Routing keys of the interceptor's route table (interceptor.md 2.1, 2.2; upstream
// pkg/routing/key.go): `<hostname>/<path without outer slashes>/`, host patterns with the
// port stripped and catch-alls spelled "*".

#include <kedahttp/spec/objects.hpp>

#include <kedahttp/util/strings.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace kedahttp::routing {

// --- Interface ---

// The host part of catch-all keys.
inline constexpr std::string_view k_catch_all_host = "*";

// `path` without any leading or trailing '/': "///api///" -> "api", "/" -> "".
std::string_view trim_slashes(std::string_view path);

// The key for `hostname` (already without port) and `path` (NewKey):
// hostname + "/" + trim_slashes(path), plus a trailing "/" when that is not empty.
// make_key("example.com", "/api/v1") == "example.com/api/v1/", make_key("", "") == "/".
std::string make_key(std::string_view hostname, std::string_view path);

// `host` without its port, like Go's net.SplitHostPort (util/strings.hpp).
using util::strip_port;

// True for the catch-all host patterns "*" and "".
bool is_catch_all_host(std::string_view hostname);

// The host part a stored key gets for host pattern `pattern`: the port stripped, then a
// catch-all (including ":8080", which strips to "") becomes "*".
std::string_view key_host(std::string_view pattern);

// Every key of `rule`: hosts x paths in rule order, a missing host list as "*" and a missing
// path list as the root. {hosts:[a.com,b.com], paths:[/x,/y]} -> a.com/x/, a.com/y/, b.com/x/, b.com/y/.
std::vector<std::string> rule_keys(const spec::RouteRule& rule);

// The wildcard hosts tried for `hostname`, most specific first: "a.b.example.com" ->
// "*.b.example.com", "*.example.com", "*.com". A name without a dot, and "", have none.
// (RouteTable::match walks the same list in place, without building it.)
std::vector<std::string> wildcard_hosts(std::string_view hostname);

} // namespace kedahttp::routing
