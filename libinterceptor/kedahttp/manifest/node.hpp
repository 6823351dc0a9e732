#pragma once

// A YAML/JSON document as a plain tree that remembers where every node came from.
// This is what `validate` walks; yaml-cpp never leaves this module.

#include <kedahttp/core/diagnostic.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kedahttp::manifest {

enum class NodeType { null, scalar, sequence, mapping };

// The JSON type a scalar has once the document is converted to JSON, as the
// API server does (sigs.k8s.io/yaml): quoted scalars are always strings.
enum class ScalarType { null, boolean, integer, number, string };

struct Entry;

struct Node {
  NodeType type = NodeType::null;
  core::SourceMark mark;
  std::string value;      // scalar text
  bool quoted = false;    // quoted, block or explicitly tagged !!str scalar
  bool defaulted = false; // inserted by schema defaulting, not present in the source
  std::vector<Node> items;
  std::vector<Entry> entries;

  bool is_null() const { return type == NodeType::null; }
  bool is_scalar() const { return type == NodeType::scalar; }
  bool is_sequence() const { return type == NodeType::sequence; }
  bool is_mapping() const { return type == NodeType::mapping; }

  // Mapping lookup; nullptr when absent or when this is not a mapping.
  const Node* find(std::string_view key) const;
  Node* find(std::string_view key);
  // The mark of `key` itself (the mapping's mark when absent).
  core::SourceMark key_mark(std::string_view key) const;

  ScalarType scalar_type() const;
  // The scalar as an integer when it is one (plain decimal, hex or octal).
  std::optional<int64_t> as_int() const;
  // The scalar's text, or "" for anything else.
  const std::string& str() const;
  // "string", "integer", "number", "boolean", "null", "array" or "object".
  std::string_view json_type() const;

  static Node scalar(std::string text, bool quoted = true);
  static Node mapping();
  Node& add(std::string key, Node value);
};

struct Entry {
  std::string key;
  core::SourceMark key_mark;
  Node value;
};

// The child `key` of a mapping, or a null node when absent: lets decoders read
// optional nested fields without a check at every level.
const Node& at(const Node& node, std::string_view key);

} // namespace kedahttp::manifest
