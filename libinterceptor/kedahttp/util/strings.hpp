#pragma once

// Small string helpers with no knowledge of Kubernetes or kedahttp.

#include <string>
#include <string_view>
#include <vector>

namespace kedahttp::util {

// --- Interface ---

// Splits `text` on every `separator`; empty pieces are kept.
std::vector<std::string_view> split(std::string_view text, char separator);

std::string join(const std::vector<std::string>& parts, std::string_view separator);

std::string to_lower(std::string_view text);

// Trims spaces and tabs on both ends.
std::string_view trim(std::string_view text);

// Quotes `text` for messages the way Go's %q does for printable ASCII: "a\"b".
std::string quote(std::string_view text);

// Escapes `text` for a JSON string body (without the surrounding quotes).
std::string json_escape(std::string_view text);

// Escapes `text` for XML character data and attribute values.
std::string xml_escape(std::string_view text);

// `host` without its port, like Go's net.SplitHostPort: "example.com:8080" -> "example.com",
// "[::1]:8080" -> "::1", "host:" -> "host"; anything SplitHostPort rejects ("example.com",
// "[::1]", "::1", "a:b:c") is returned unchanged. The port is not checked. The interceptor
// strips request and route hosts this way, so routing and validate share it.
std::string_view strip_port(std::string_view host);

// True when `text` is a base-10 integer with an optional sign.
bool is_decimal_integer(std::string_view text);

} // namespace kedahttp::util
