#pragma once

// Kubernetes, Gateway API and Istio name primitives (spec/manifests.md 1.1),
// written as plain loops: they run for every name in every manifest.

#include <optional>
#include <string>
#include <string_view>

namespace kedahttp::validate {

bool is_dns1123_label(std::string_view s);      // <= 63, [a-z0-9]([-a-z0-9]*[a-z0-9])?
// The label and subdomain patterns alone, without length limits (CRD schemas check maxLength apart).
bool matches_dns1123_label_pattern(std::string_view s);
bool matches_dns1123_subdomain_pattern(std::string_view s);
bool is_dns1123_subdomain(std::string_view s);  // <= 253, labels of the above joined by '.'
bool is_dns1035_label(std::string_view s);      // <= 63, starts with a letter
bool is_wildcard_dns1123_subdomain(std::string_view s); // "*." + subdomain
bool is_ip_address(std::string_view s);         // IPv4 dotted quad or IPv6
bool is_http_token(std::string_view s);         // RFC 7230 token (header names)
bool is_iana_svc_name(std::string_view s);      // port names
bool is_qualified_name(std::string_view s);     // label/annotation keys

// The reasons the API server gives, as text after `Invalid value: "x": `.
std::optional<std::string> dns1123_label_error(std::string_view s);
std::optional<std::string> dns1123_subdomain_error(std::string_view s);
std::optional<std::string> dns1035_label_error(std::string_view s);
std::optional<std::string> wildcard_dns1123_subdomain_error(std::string_view s);
std::optional<std::string> iana_svc_name_error(std::string_view s);
std::optional<std::string> qualified_name_error(std::string_view s);
std::optional<std::string> label_value_error(std::string_view s);

// A CRD `pattern` failure: "in body should match '<regex>'".
std::string pattern_reason(const std::string& path, std::string_view regex);

} // namespace kedahttp::validate
