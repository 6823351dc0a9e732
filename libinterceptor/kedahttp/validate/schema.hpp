#pragma once

// A small structural-schema engine: the subset of OpenAPI v3 + CEL that the
// API server applies to the kinds we check (types, required, unknown fields,
// lengths, ranges, enums, patterns, list types, defaults), plus hooks for the
// CEL rules and built-in validation written in C++.
//
// Order matches the API server: defaults first (`apply_defaults`), then the
// structural checks, then the hooks of every node that passed its type check.

#include <kedahttp/core/diagnostic.hpp>
#include <kedahttp/manifest/node.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kedahttp::validate {

enum class Channel { standard, experimental };

struct Options; // validate.hpp

// Where findings about one object go.
class Context
{
public:
  Context(const std::string& file, const core::ObjectRef& object, const Options& options,
          std::vector<core::Diagnostic>& out);

  void report(core::Severity severity, std::string_view code, const std::string& path, core::SourceMark mark,
              std::string message);
  void error(std::string_view code, const std::string& path, core::SourceMark mark, std::string message)
  {
    report(core::Severity::error, code, path, mark, std::move(message));
  }
  void warning(std::string_view code, const std::string& path, core::SourceMark mark, std::string message)
  {
    report(core::Severity::warning, code, path, mark, std::move(message));
  }

  const Options& options() const { return m_options; }
  const core::ObjectRef& object() const { return m_object; }

private:
  const std::string& m_file;
  const core::ObjectRef& m_object;
  const Options& m_options;
  std::vector<core::Diagnostic>& m_out;
};

// A check run on a node that passed its structural validation. `path` is the
// node's field path ("spec.rules[0]").
using Check = std::function<void(const manifest::Node& node, const std::string& path, Context& ctx)>;

// A format check on a string: returns the reason it is invalid, or nothing.
using Format = std::function<std::optional<std::string>(std::string_view value)>;

struct Schema;
using SchemaPtr = std::shared_ptr<Schema>;

struct Field {
  std::string name;
  SchemaPtr schema;
  bool required = false;
  bool experimental_only = false; // unknown in the standard channel
};

struct Schema {
  enum class Type { object, array, string, integer, number, boolean, int_or_string, any };
  enum class ListType { atomic, set, map };

  Type type = Type::any;
  // object
  std::vector<Field> fields;
  SchemaPtr additional;         // map values (additionalProperties)
  bool preserve_unknown = false;
  // array
  SchemaPtr items;
  std::optional<size_t> min_items;
  std::optional<size_t> max_items;
  ListType list_type = ListType::atomic;
  std::vector<std::string> map_keys;
  // string
  std::optional<size_t> min_length;
  std::optional<size_t> max_length;
  std::vector<std::string> enum_values;
  std::vector<std::string> experimental_enum_values; // only in the experimental channel
  Format format;
  // integer / number
  std::optional<int64_t> minimum;
  std::optional<int64_t> maximum;
  // all
  std::optional<manifest::Node> default_value;
  std::vector<Check> checks;
};

// Fluent construction: obj({req("name", str().min_len(1))}).check(...)
class S
{
public:
  explicit S(Schema::Type type);
  S& min_len(size_t n);
  S& max_len(size_t n);
  S& min_items(size_t n);
  S& max_items(size_t n);
  S& range(int64_t lo, int64_t hi);
  S& minimum(int64_t lo);
  S& one_of(std::vector<std::string> values, std::vector<std::string> experimental = {});
  S& format(Format f);
  S& set();                                // x-kubernetes-list-type: set
  S& map(std::vector<std::string> keys);   // x-kubernetes-list-type: map
  S& preserve_unknown();
  S& default_to(manifest::Node value);
  S& default_to(std::string scalar);       // a string default
  S& default_int(int64_t value);
  S& check(Check c);
  operator SchemaPtr() const { return m_schema; }
  SchemaPtr ptr() const { return m_schema; }

private:
  SchemaPtr m_schema;
};

S str();
S integer();
S number();
S boolean();
S int_or_string();
S any();
S obj(std::vector<Field> fields);
S array(SchemaPtr items);
S string_map(SchemaPtr values); // object with free-form keys

Field req(std::string name, SchemaPtr schema);
Field opt(std::string name, SchemaPtr schema);
Field experimental(std::string name, SchemaPtr schema);

// Inserts defaults for absent fields (null counts as absent, as for CRDs). Fields
// that exist only in the experimental channel are left alone in the standard one.
void apply_defaults(manifest::Node& node, const Schema& schema, Channel channel);

// Validates `node` against `schema`; `path` is the node's field path.
void check_schema(const manifest::Node& node, const Schema& schema, const std::string& path, Context& ctx);

// --- path helpers ---
std::string join_path(const std::string& parent, std::string_view field);
std::string index_path(const std::string& parent, size_t index);

// The field when present and not null, else nullptr. For rules written in C++: the
// schema reports wrong types, and rules skip such values.
inline const manifest::Node*
get(const manifest::Node& node, std::string_view key)
{
  const manifest::Node* child = node.find(key);
  return child && !child->is_null() ? child : nullptr;
}

// True when the field is present and not null.
inline bool
has(const manifest::Node& node, std::string_view key)
{
  return get(node, key) != nullptr;
}

// True when `node` is a string scalar (as JSON would type it).
inline bool
is_string(const manifest::Node* node)
{
  return node && node->is_scalar() && node->scalar_type() == manifest::ScalarType::string;
}

} // namespace kedahttp::validate
