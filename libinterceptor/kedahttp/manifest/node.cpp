#include <kedahttp/manifest/node.hpp>

#include <charconv>

namespace kedahttp::manifest {

namespace {

bool
is_one_of(std::string_view text, std::initializer_list<std::string_view> words)
{
  for (std::string_view word : words) {
    if (text == word) {
      return true;
    }
  }
  return false;
}

bool
looks_like_number(std::string_view text)
{
  // YAML 1.1 float as go-yaml v2 resolves it: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
  size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    ++i;
  }
  size_t digits = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    ++i;
    ++digits;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      ++i;
      ++digits;
    }
  }
  if (digits == 0) {
    return false;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
      ++i;
    }
    size_t exp_digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      ++i;
      ++exp_digits;
    }
    if (exp_digits == 0) {
      return false;
    }
  }
  return i == text.size();
}

} // namespace

const Node*
Node::find(std::string_view key) const
{
  for (const Entry& entry : entries) {
    if (entry.key == key) {
      return &entry.value;
    }
  }
  return nullptr;
}

Node*
Node::find(std::string_view key)
{
  return const_cast<Node*>(static_cast<const Node*>(this)->find(key));
}

core::SourceMark
Node::key_mark(std::string_view key) const
{
  for (const Entry& entry : entries) {
    if (entry.key == key) {
      return entry.key_mark;
    }
  }
  return mark;
}

std::optional<int64_t>
Node::as_int() const
{
  if (type != NodeType::scalar || quoted) {
    return std::nullopt;
  }
  std::string_view text = value;
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  } else if (text.size() > 2 && text[0] == '0' && text[1] == 'o') {
    base = 8;
    text.remove_prefix(2);
  }
  if (text.empty()) {
    return std::nullopt;
  }
  int64_t result = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), result, base);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return negative ? -result : result;
}

ScalarType
Node::scalar_type() const
{
  if (type == NodeType::null) {
    return ScalarType::null;
  }
  if (type != NodeType::scalar || quoted) {
    return ScalarType::string;
  }
  if (is_one_of(value, {"true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes", "YES",
                        "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"})) {
    return ScalarType::boolean;
  }
  if (as_int()) {
    return ScalarType::integer;
  }
  if (looks_like_number(value)
      || is_one_of(value, {".inf", "-.inf", "+.inf", ".Inf", "-.Inf", ".INF", ".nan", ".NaN", ".NAN"})) {
    return ScalarType::number;
  }
  return ScalarType::string;
}

const std::string&
Node::str() const
{
  static const std::string empty;
  return type == NodeType::scalar ? value : empty;
}

std::string_view
Node::json_type() const
{
  switch (type) {
  case NodeType::null: return "null";
  case NodeType::sequence: return "array";
  case NodeType::mapping: return "object";
  case NodeType::scalar: break;
  }
  switch (scalar_type()) {
  case ScalarType::null: return "null";
  case ScalarType::boolean: return "boolean";
  case ScalarType::integer: return "integer";
  case ScalarType::number: return "number";
  case ScalarType::string: return "string";
  }
  return "string";
}

const Node&
at(const Node& node, std::string_view key)
{
  static const Node null_node;
  const Node* child = node.find(key);
  return child ? *child : null_node;
}

Node
Node::scalar(std::string text, bool is_quoted)
{
  Node node;
  node.type = NodeType::scalar;
  node.value = std::move(text);
  node.quoted = is_quoted;
  return node;
}

Node
Node::mapping()
{
  Node node;
  node.type = NodeType::mapping;
  return node;
}

Node&
Node::add(std::string key, Node child)
{
  entries.push_back(Entry{std::move(key), child.mark, std::move(child)});
  return entries.back().value;
}

} // namespace kedahttp::manifest
