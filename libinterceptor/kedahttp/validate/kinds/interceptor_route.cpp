// InterceptorRoute (http.keda.sh/v1beta1) and the legacy HTTPScaledObject
// (http.keda.sh/v1alpha1): kedacore/http-add-on's CRD schema and CEL rules,
// plus the durations and host formats the add-on itself depends on.

#include <kedahttp/util/duration.hpp>
#include <kedahttp/util/strings.hpp>
#include <kedahttp/validate/hosts.hpp>
#include <kedahttp/validate/kinds.hpp>
#include <kedahttp/validate/options.hpp>

namespace kedahttp::validate {

namespace {

using manifest::Node;

// "InterceptorRoute ns/name" with --default-namespace filled in, as the
// cross-object findings (KH343) print the same object.
std::string
friendly(const Context& ctx)
{
  core::ObjectRef ref = ctx.object();
  if (ref.ns.empty()) {
    ref.ns = ctx.options().default_namespace;
  }
  return ref.friendly();
}

void
cel(Context& ctx, const std::string& path, const Node& node, const std::string& message)
{
  ctx.error("KH107", path, node.mark, "Invalid value: \"object\": " + message);
}

Check
exactly_one(std::string a, std::string b)
{
  return [a, b](const Node& node, const std::string& path, Context& ctx) {
    if (has(node, a) == has(node, b)) {
      cel(ctx, path, node, "exactly one of '" + a + "' or '" + b + "' must be set");
    }
  };
}

// Durations are plain strings to the API server, but the add-on parses them
// with Go's time.ParseDuration and fails on anything else.
Check
duration()
{
  return [](const Node& node, const std::string& path, Context& ctx) {
    if (!util::parse_go_duration(node.value)) {
      ctx.error("KH350", path, node.mark,
                friendly(ctx) + ": " + util::quote(node.value)
                  + " is not a duration (examples: 500ms, 30s, 1m30s)");
    }
  };
}

// Why a host can never equal a request's Host header, or nothing. "" and "*"
// are the interceptor's catch-alls; a port is stripped before matching.
std::optional<std::string>
host_problem(const std::string& written)
{
  const std::string host(strip_port(written));
  if (host.empty() || host == "*") {
    return std::nullopt;
  }
  if (written.find("://") != std::string::npos) {
    return "contains a scheme";
  }
  if (written.find('/') != std::string::npos) {
    return "contains a path";
  }
  for (char c : written) {
    if (c == ' ' || c == '\t') {
      return "contains whitespace";
    }
    if (c >= 'A' && c <= 'Z') {
      return "contains uppercase letters";
    }
  }
  const size_t star = host.find('*');
  if (star != std::string::npos && (star != 0 || host.size() < 3 || host[1] != '.'
                                    || host.find('*', 1) != std::string::npos)) {
    return "uses '*' other than as the whole first label";
  }
  if (host.find("..") != std::string::npos || host.front() == '.' || host.back() == '.') {
    return "has an empty label";
  }
  return std::nullopt;
}

S
static_response()
{
  return obj({
           opt("statusCode", integer().range(100, 599)),
           opt("body", str().max_len(32768)),
           opt("bodyFromConfigMap", obj({req("name", str().min_len(1)), opt("key", str())})),
           opt("headers", string_map(str())),
         })
    .check([](const Node& node, const std::string& path, Context& ctx) {
      if (has(node, "body") && has(node, "bodyFromConfigMap")) {
        cel(ctx, path, node, "at most one of 'body' or 'bodyFromConfigMap' may be set");
      }
    });
}

S
route_rules()
{
  auto hosts = array(str()).set().check([](const Node& node, const std::string& path, Context& ctx) {
    for (size_t i = 0; i < node.items.size(); ++i) {
      const Node& host = node.items[i];
      if (auto problem = host_problem(host.value)) {
        ctx.warning("KH344", index_path(path, i), host.mark,
                    friendly(ctx) + ": host " + util::quote(host.value) + " "
                      + *problem + " (matching is exact and case-sensitive)");
      }
    }
  });
  return array(obj({
    opt("hosts", hosts),
    opt("paths", array(obj({req("value", str().min_len(1))}))),
    opt("headers", array(obj({req("name", str().min_len(1)), opt("value", str())})).map({"name"})),
  }));
}

void
check_rate(const Node& rate, const std::string& path, Context& ctx)
{
  const Node* granularity = rate.find("granularity");
  const Node* window = rate.find("window");
  if (!granularity || !granularity->is_scalar()) {
    return;
  }
  const auto g = util::parse_go_duration(granularity->value);
  if (!g) {
    return; // KH350 already
  }
  const auto second = std::chrono::seconds(1);
  if (*g < second || *g % second != std::chrono::nanoseconds(0)) {
    ctx.error("KH351", path + ".granularity", granularity->mark,
              friendly(ctx) + ": " + util::quote(granularity->value)
                + " must be a whole number of seconds >= 1s");
    return;
  }
  if (window && window->is_scalar()) {
    const auto w = util::parse_go_duration(window->value);
    if (w && *w < *g) {
      ctx.warning("KH351", path + ".window", window->mark,
                  friendly(ctx) + ": window " + util::quote(window->value)
                    + " is shorter than the granularity " + util::quote(granularity->value)
                    + "; the rate is computed over a single bucket");
    }
  }
}

std::vector<Field>
interceptor_route_body(Channel)
{
  auto target = obj({
                      req("service", str().min_len(1)),
                      opt("port", port_number()),
                      opt("portName", str().min_len(1)),
                    })
                  .check(exactly_one("port", "portName"));
  auto rate = obj({
                    req("targetValue", integer().minimum(1)),
                    opt("window", str().default_to("1m").check(duration())),
                    opt("granularity", str().default_to("1s").check(duration())),
                  })
                .check(check_rate);
  auto metric = obj({
                      opt("concurrency", obj({req("targetValue", integer().minimum(1))})),
                      opt("requestRate", rate),
                    })
                  .check([](const Node& node, const std::string& path, Context& ctx) {
                    if (!has(node, "concurrency") && !has(node, "requestRate")) {
                      cel(ctx, path, node, "at least one of 'concurrency' or 'requestRate' must be set");
                    }
                  });
  auto static_route = obj({
    req("rules", route_rules().min_items(1)),
    req("response", static_response()),
    opt("responseMode", str().one_of({"Always", "WhenUnavailable"}).default_to("WhenUnavailable")),
  });
  auto fallback_service = obj({
                                req("name", str().min_len(1)),
                                opt("port", port_number()),
                                opt("portName", str().min_len(1)),
                              })
                            .check(exactly_one("port", "portName"));
  auto cold_start = obj({
                          opt("fallback", obj({req("service", fallback_service)})),
                          opt("placeholder", obj({req("response", static_response())})),
                        })
                      .check([](const Node& node, const std::string& path, Context& ctx) {
                        if (!has(node, "fallback") && !has(node, "placeholder")) {
                          cel(ctx, path, node, "at least one of 'fallback' or 'placeholder' must be set");
                        }
                      });
  auto timeouts = obj({
    opt("readiness", str().check(duration())),
    opt("request", str().check(duration())),
    opt("responseHeader", str().check(duration())),
  });
  return {req("spec", obj({
                        req("target", target),
                        req("scalingMetric", metric),
                        opt("rules", route_rules()),
                        opt("staticRoutes", array(static_route)),
                        opt("coldStart", cold_start),
                        opt("timeouts", timeouts),
                      }))};
}

} // namespace

KindRules
interceptor_route_kind()
{
  KindRules rules;
  rules.group = "http.keda.sh";
  rules.kind = "InterceptorRoute";
  rules.versions = {"http.keda.sh/v1beta1"};
  rules.body = interceptor_route_body;
  return rules;
}

KindRules
http_scaled_object_kind()
{
  // The legacy API is checked for its required shape only; its many optional
  // fields are accepted as written (it is being replaced by InterceptorRoute).
  KindRules rules;
  rules.group = "http.keda.sh";
  rules.kind = "HTTPScaledObject";
  rules.versions = {"http.keda.sh/v1alpha1"};
  rules.body = [](Channel) {
    auto target = obj({
                        opt("name", str()),
                        opt("deployment", str()),
                        opt("kind", str()),
                        opt("apiVersion", str()),
                        req("service", str().min_len(1)),
                        opt("port", port_number()),
                        opt("portName", str().min_len(1)),
                      })
                    .check(exactly_one("port", "portName"));
    auto hosts = array(str()).check([](const Node& node, const std::string& path, Context& ctx) {
      for (size_t i = 0; i < node.items.size(); ++i) {
        if (auto problem = host_problem(node.items[i].value)) {
          ctx.warning("KH344", index_path(path, i), node.items[i].mark,
                      friendly(ctx) + ": host "
                        + util::quote(node.items[i].value) + " " + *problem
                        + " (matching is exact and case-sensitive)");
        }
      }
    });
    S spec = obj({
      opt("hosts", hosts),
      opt("pathPrefixes", array(str())),
      req("scaleTargetRef", target),
    });
    spec.preserve_unknown();
    return std::vector<Field>{req("spec", spec)};
  };
  return rules;
}

} // namespace kedahttp::validate
