// HTTPRoute and ReferenceGrant (gateway.networking.k8s.io). PLACEHOLDER: being written.
#include <kedahttp/validate/kinds.hpp>

namespace kedahttp::validate {

KindRules
http_route_kind()
{
  KindRules rules;
  rules.group = "gateway.networking.k8s.io";
  rules.kind = "HTTPRoute";
  rules.versions = {"gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1"};
  rules.body = [](Channel) { return std::vector<Field>{req("spec", obj({}).preserve_unknown())}; };
  return rules;
}

KindRules
reference_grant_kind()
{
  KindRules rules;
  rules.group = "gateway.networking.k8s.io";
  rules.kind = "ReferenceGrant";
  rules.versions = {"gateway.networking.k8s.io/v1beta1", "gateway.networking.k8s.io/v1"};
  rules.body = [](Channel) { return std::vector<Field>{req("spec", obj({}).preserve_unknown())}; };
  return rules;
}

} // namespace kedahttp::validate
