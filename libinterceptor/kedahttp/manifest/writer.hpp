#pragma once

// Node tree -> YAML text, deterministically: keys in the order they were
// added, two-space indentation, sequences indented under their key, strings
// quoted only where YAML 1.1 or 1.2 readers (kubectl, yaml-cpp) could misread them.

#include <kedahttp/manifest/node.hpp>

#include <string>
#include <vector>

namespace kedahttp::manifest {

// One document, without a leading "---".
std::string render_yaml(const Node& document);

// Documents separated by "---" lines (every document starts with one).
std::string render_yaml_stream(const std::vector<Node>& documents);

// True when `text` can be written as a plain scalar and read back as the same string.
bool plain_safe(const std::string& text);

} // namespace kedahttp::manifest
