// VirtualService (networking.istio.io). PLACEHOLDER: being written.
#include <kedahttp/validate/kinds.hpp>

namespace kedahttp::validate {

KindRules
virtual_service_kind()
{
  KindRules rules;
  rules.group = "networking.istio.io";
  rules.kind = "VirtualService";
  rules.versions = {"networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3"};
  rules.body = [](Channel) { return std::vector<Field>{req("spec", obj({}).preserve_unknown())}; };
  return rules;
}

} // namespace kedahttp::validate
