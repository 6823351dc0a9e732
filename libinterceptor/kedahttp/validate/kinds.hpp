#pragma once

// The kinds `validate` checks: served versions, the schema of the whole
// object, and built-in semantics that a schema cannot express.
// One file per kind under validate/kinds/.

#include <kedahttp/validate/schema.hpp>

#include <string>
#include <vector>

namespace kedahttp::validate {

enum class NameRule { dns1123_subdomain, dns1035_label };

struct KindRules {
  std::string group;
  std::string kind;
  std::vector<std::string> versions; // served apiVersions ("group/version")
  NameRule name_rule = NameRule::dns1123_subdomain;
  // Fields next to apiVersion/kind/metadata (spec, data, endpoints, ...), per channel.
  std::function<std::vector<Field>(Channel)> body;
  // Runs after the schema, on the defaulted object; for rules a schema cannot express.
  Check semantics;
};

const std::vector<KindRules>& all_kinds();
const KindRules* find_kind(const std::string& group, const std::string& kind);

// The schema of a whole object of `rules` (cached).
const Schema& object_schema(const KindRules& rules, Channel channel);

// One registration function per file in validate/kinds/.
KindRules interceptor_route_kind();
KindRules http_scaled_object_kind();
KindRules http_route_kind();
KindRules reference_grant_kind();
KindRules ingress_kind();
KindRules service_kind();
KindRules virtual_service_kind();

// Shared schema pieces.
Format dns1123_label_format();
Format dns1123_subdomain_format();
S port_number();           // int32 1..65535
S namespace_name();        // DNS-1123 label, <= 63

} // namespace kedahttp::validate
