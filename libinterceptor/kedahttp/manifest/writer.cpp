#include <kedahttp/manifest/writer.hpp>

#include <kedahttp/util/strings.hpp>

namespace kedahttp::manifest {

namespace {

bool
is_yaml11_special(const std::string& text)
{
  // Words YAML 1.1 (go-yaml v2, used by kubectl) reads as booleans or null.
  static const char* const words[] = {"y",  "Y",    "yes", "Yes", "YES", "n",     "N",     "no",    "No",
                                      "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on",
                                      "On", "ON",   "off", "Off", "OFF", "null",  "Null",  "NULL",  "~"};
  for (const char* word : words) {
    if (text == word) {
      return true;
    }
  }
  return false;
}

std::string
scalar_text(const Node& node)
{
  if (node.is_null()) {
    return "null";
  }
  if (!node.quoted || plain_safe(node.value)) {
    return node.value;
  }
  return util::quote(node.value);
}

void
render(const Node& node, int indent, std::string& out);

bool
is_empty_collection(const Node& node)
{
  return (node.is_mapping() && node.entries.empty()) || (node.is_sequence() && node.items.empty());
}

void
render_value_after_key(const Node& value, int indent, std::string& out)
{
  if (is_empty_collection(value)) {
    out += value.is_mapping() ? " {}\n" : " []\n";
  } else if (value.is_mapping()) {
    out += "\n";
    render(value, indent + 2, out);
  } else if (value.is_sequence()) {
    out += "\n";
    render(value, indent + 2, out);
  } else {
    out += " " + scalar_text(value) + "\n";
  }
}

void
render(const Node& node, int indent, std::string& out)
{
  const std::string pad(static_cast<size_t>(indent), ' ');
  if (node.is_mapping()) {
    for (const Entry& entry : node.entries) {
      out += pad + (plain_safe(entry.key) ? entry.key : util::quote(entry.key)) + ":";
      render_value_after_key(entry.value, indent, out);
    }
  } else if (node.is_sequence()) {
    for (const Node& item : node.items) {
      if (item.is_mapping() && !item.entries.empty()) {
        // "- first: x" then the other keys aligned under "first".
        std::string nested;
        render(item, indent + 2, nested);
        out += pad + "- " + nested.substr(static_cast<size_t>(indent) + 2);
      } else if (is_empty_collection(item)) {
        out += pad + (item.is_mapping() ? "- {}\n" : "- []\n");
      } else if (item.is_sequence()) {
        out += pad + "-\n";
        render(item, indent + 2, out);
      } else {
        out += pad + "- " + scalar_text(item) + "\n";
      }
    }
  } else {
    out += pad + scalar_text(node) + "\n";
  }
}

} // namespace

bool
plain_safe(const std::string& text)
{
  if (text.empty() || is_yaml11_special(text)) {
    return false;
  }
  if (std::string_view("-?:,[]{}#&*!|>'\"%@` \t").find(text.front()) != std::string_view::npos) {
    return false;
  }
  if (text.back() == ' ' || text.back() == ':' || text.find(": ") != std::string::npos
      || text.find(" #") != std::string::npos || text.find('\n') != std::string::npos) {
    return false;
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20) {
      return false;
    }
  }
  // Anything a reader would resolve to a number must stay a string.
  Node probe = Node::scalar(text, false);
  return probe.scalar_type() == ScalarType::string;
}

std::string
render_yaml(const Node& document)
{
  std::string out;
  render(document, 0, out);
  return out;
}

std::string
render_yaml_stream(const std::vector<Node>& documents)
{
  std::string out;
  for (const Node& document : documents) {
    out += "---\n" + render_yaml(document);
  }
  return out;
}

} // namespace kedahttp::manifest
