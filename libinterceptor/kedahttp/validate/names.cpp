#include <kedahttp/validate/names.hpp>

#include <kedahttp/util/strings.hpp>

#include <arpa/inet.h>

namespace kedahttp::validate {

namespace {

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool alnum(char c) { return lower_alnum(c) || (c >= 'A' && c <= 'Z'); }


const char* const k_label_msg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
  "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const char* const k_subdomain_msg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
  "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const char* const k_dns1035_msg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
  "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
  "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const char* const k_wildcard_msg =
  "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist "
  "of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. "
  "'*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const char* const k_label_value_msg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start "
  "and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation "
  "is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const char* const k_qualified_name_msg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
  "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
  "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

// [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?, the name part of label keys and label values.
bool
qualified_chars_ok(std::string_view s)
{
  if (s.empty() || !alnum(s.front()) || !alnum(s.back())) {
    return false;
  }
  for (char c : s) {
    if (!alnum(c) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

std::string
too_long(size_t max)
{
  return "must be no more than " + std::to_string(max) + " characters";
}

} // namespace

bool
matches_dns1123_label_pattern(std::string_view s)
{
  if (s.empty() || !lower_alnum(s.front()) || !lower_alnum(s.back())) {
    return false;
  }
  for (char c : s) {
    if (!lower_alnum(c) && c != '-') {
      return false;
    }
  }
  return true;
}

bool
matches_dns1123_subdomain_pattern(std::string_view s)
{
  for (std::string_view label : util::split(s, '.')) {
    if (!matches_dns1123_label_pattern(label)) {
      return false;
    }
  }
  return true;
}

bool
is_dns1123_label(std::string_view s)
{
  return s.size() <= 63 && matches_dns1123_label_pattern(s);
}

bool
is_dns1123_subdomain(std::string_view s)
{
  return !s.empty() && s.size() <= 253 && matches_dns1123_subdomain_pattern(s);
}

bool
is_dns1035_label(std::string_view s)
{
  return s.size() <= 63 && matches_dns1123_label_pattern(s) && s.front() >= 'a' && s.front() <= 'z';
}

bool
is_wildcard_dns1123_subdomain(std::string_view s)
{
  return s.size() <= 253 && s.substr(0, 2) == "*." && is_dns1123_subdomain(s.substr(2));
}

bool
is_ip_address(std::string_view s)
{
  const std::string text(s);
  unsigned char buf[16];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

bool
is_http_token(std::string_view s)
{
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (!alnum(c) && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool
is_iana_svc_name(std::string_view s)
{
  return !iana_svc_name_error(s).has_value();
}

bool
is_qualified_name(std::string_view s)
{
  return !qualified_name_error(s).has_value();
}

std::optional<std::string>
dns1123_label_error(std::string_view s)
{
  if (s.size() > 63) {
    return too_long(63);
  }
  if (!matches_dns1123_label_pattern(s)) {
    return std::string(k_label_msg);
  }
  return std::nullopt;
}

std::optional<std::string>
dns1123_subdomain_error(std::string_view s)
{
  if (s.size() > 253) {
    return too_long(253);
  }
  if (!is_dns1123_subdomain(s)) {
    return std::string(k_subdomain_msg);
  }
  return std::nullopt;
}

std::optional<std::string>
dns1035_label_error(std::string_view s)
{
  if (s.size() > 63) {
    return too_long(63);
  }
  if (!is_dns1035_label(s)) {
    return std::string(k_dns1035_msg);
  }
  return std::nullopt;
}

std::optional<std::string>
wildcard_dns1123_subdomain_error(std::string_view s)
{
  if (s.size() > 253) {
    return too_long(253);
  }
  if (!is_wildcard_dns1123_subdomain(s)) {
    return std::string(k_wildcard_msg);
  }
  return std::nullopt;
}

std::optional<std::string>
iana_svc_name_error(std::string_view s)
{
  // The first of IsValidPortName's messages, in its order.
  if (s.size() > 15) {
    return too_long(15);
  }
  bool letter = false;
  for (char c : s) {
    if (!lower_alnum(c) && c != '-') {
      return std::string("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
    }
    letter = letter || (c >= 'a' && c <= 'z');
  }
  if (s.empty()) {
    return std::string("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  }
  if (!letter) {
    return std::string("must contain at least one letter (a-z)");
  }
  if (s.find("--") != std::string_view::npos) {
    return std::string("must not contain consecutive hyphens");
  }
  if (s.front() == '-' || s.back() == '-') {
    return std::string("must not begin or end with a hyphen");
  }
  return std::nullopt;
}

std::optional<std::string>
label_value_error(std::string_view s)
{
  if (s.empty()) {
    return std::nullopt;
  }
  if (s.size() > 63) {
    return too_long(63);
  }
  if (!qualified_chars_ok(s)) {
    return std::string(k_label_value_msg);
  }
  return std::nullopt;
}

std::optional<std::string>
qualified_name_error(std::string_view s)
{
  std::string_view name = s;
  const size_t slash = s.find('/');
  if (slash != std::string_view::npos) {
    if (s.find('/', slash + 1) != std::string_view::npos) {
      return "a qualified name " + std::string(k_qualified_name_msg)
             + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
    }
    const std::string_view prefix = s.substr(0, slash);
    name = s.substr(slash + 1);
    if (prefix.empty()) {
      return std::string("prefix part must be non-empty");
    }
    if (auto problem = dns1123_subdomain_error(prefix)) {
      return "prefix part " + *problem;
    }
  }
  if (name.empty()) {
    return std::string("name part must be non-empty");
  }
  if (name.size() > 63) {
    return "name part " + too_long(63);
  }
  if (!qualified_chars_ok(name)) {
    return "name part " + std::string(k_qualified_name_msg);
  }
  return std::nullopt;
}

std::string
pattern_reason(const std::string& path, std::string_view regex)
{
  return path + " in body should match '" + std::string(regex) + "'";
}

} // namespace kedahttp::validate
