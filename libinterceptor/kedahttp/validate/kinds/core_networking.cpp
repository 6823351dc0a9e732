// Ingress (networking.k8s.io/v1) and Service (v1). PLACEHOLDER: being written.
#include <kedahttp/validate/kinds.hpp>

namespace kedahttp::validate {

KindRules
ingress_kind()
{
  KindRules rules;
  rules.group = "networking.k8s.io";
  rules.kind = "Ingress";
  rules.versions = {"networking.k8s.io/v1"};
  rules.body = [](Channel) { return std::vector<Field>{req("spec", obj({}).preserve_unknown())}; };
  return rules;
}

KindRules
service_kind()
{
  KindRules rules;
  rules.group = "";
  rules.kind = "Service";
  rules.versions = {"v1"};
  rules.name_rule = NameRule::dns1035_label;
  rules.body = [](Channel) { return std::vector<Field>{opt("spec", obj({}).preserve_unknown())}; };
  return rules;
}

} // namespace kedahttp::validate
