#include <kedahttp/validate/schema.hpp>

#include <kedahttp/util/strings.hpp>
#include <kedahttp/validate/options.hpp>

#include <algorithm>
#include <set>

namespace kedahttp::validate {

using manifest::Node;
using manifest::NodeType;
using manifest::ScalarType;

Context::Context(const std::string& file, const core::ObjectRef& object, const Options& options,
                 std::vector<core::Diagnostic>& out)
  : m_file(file), m_object(object), m_options(options), m_out(out)
{
}

void
Context::report(core::Severity severity, std::string_view code, const std::string& path, core::SourceMark mark,
                std::string message)
{
  core::Diagnostic d;
  d.severity = severity;
  d.code = std::string(code);
  d.file = m_file;
  d.mark = mark;
  d.object = m_object;
  d.path = path;
  d.message = std::move(message);
  m_out.push_back(std::move(d));
}

// --- builders ---

S::S(Schema::Type type) : m_schema(std::make_shared<Schema>())
{
  m_schema->type = type;
}

S& S::min_len(size_t n) { m_schema->min_length = n; return *this; }
S& S::max_len(size_t n) { m_schema->max_length = n; return *this; }
S& S::min_items(size_t n) { m_schema->min_items = n; return *this; }
S& S::max_items(size_t n) { m_schema->max_items = n; return *this; }
S& S::range(int64_t lo, int64_t hi) { m_schema->minimum = lo; m_schema->maximum = hi; return *this; }
S& S::minimum(int64_t lo) { m_schema->minimum = lo; return *this; }
S& S::format(Format f) { m_schema->format = std::move(f); return *this; }
S& S::set() { m_schema->list_type = Schema::ListType::set; return *this; }
S& S::preserve_unknown() { m_schema->preserve_unknown = true; return *this; }
S& S::check(Check c) { m_schema->checks.push_back(std::move(c)); return *this; }

S&
S::one_of(std::vector<std::string> values, std::vector<std::string> experimental_values)
{
  m_schema->enum_values = std::move(values);
  m_schema->experimental_enum_values = std::move(experimental_values);
  return *this;
}

S&
S::map(std::vector<std::string> keys)
{
  m_schema->list_type = Schema::ListType::map;
  m_schema->map_keys = std::move(keys);
  return *this;
}

S&
S::default_to(Node value)
{
  m_schema->default_value = std::move(value);
  return *this;
}

S&
S::default_to(std::string scalar)
{
  return default_to(Node::scalar(std::move(scalar)));
}

S&
S::default_int(int64_t value)
{
  return default_to(Node::scalar(std::to_string(value), false));
}

S str() { return S(Schema::Type::string); }
S integer() { return S(Schema::Type::integer); }
S number() { return S(Schema::Type::number); }
S boolean() { return S(Schema::Type::boolean); }
S int_or_string() { return S(Schema::Type::int_or_string); }
S any() { return S(Schema::Type::any); }

S
obj(std::vector<Field> fields)
{
  S s(Schema::Type::object);
  s.ptr()->fields = std::move(fields);
  return s;
}

S
array(SchemaPtr items)
{
  S s(Schema::Type::array);
  s.ptr()->items = std::move(items);
  return s;
}

S
string_map(SchemaPtr values)
{
  S s(Schema::Type::object);
  s.ptr()->additional = std::move(values);
  return s;
}

Field req(std::string name, SchemaPtr schema) { return Field{std::move(name), std::move(schema), true, false}; }
Field opt(std::string name, SchemaPtr schema) { return Field{std::move(name), std::move(schema), false, false}; }
Field experimental(std::string name, SchemaPtr schema) { return Field{std::move(name), std::move(schema), false, true}; }

std::string
join_path(const std::string& parent, std::string_view field)
{
  if (parent.empty()) {
    return std::string(field);
  }
  return parent + "." + std::string(field);
}

std::string
index_path(const std::string& parent, size_t index)
{
  return parent + "[" + std::to_string(index) + "]";
}

// --- defaulting ---

void
apply_defaults(Node& node, const Schema& schema, Channel channel)
{
  if (schema.type == Schema::Type::object && node.is_mapping()) {
    for (const Field& field : schema.fields) {
      if (field.experimental_only && channel != Channel::experimental) {
        continue; // not part of this channel's schema: never defaulted into existence
      }
      Node* child = node.find(field.name);
      if ((!child || child->is_null()) && field.schema->default_value) {
        Node value = *field.schema->default_value;
        value.defaulted = true;
        value.mark = child ? child->mark : node.mark;
        if (child) {
          *child = std::move(value);
        } else {
          node.add(field.name, std::move(value)).mark = node.mark;
        }
        child = node.find(field.name);
      }
      if (child) {
        apply_defaults(*child, *field.schema, channel);
      }
    }
    if (schema.additional) {
      for (manifest::Entry& entry : node.entries) {
        apply_defaults(entry.value, *schema.additional, channel);
      }
    }
  } else if (schema.type == Schema::Type::array && node.is_sequence() && schema.items) {
    for (Node& item : node.items) {
      apply_defaults(item, *schema.items, channel);
    }
  }
}

// --- validation ---

namespace {

std::string
type_name(Schema::Type type)
{
  switch (type) {
  case Schema::Type::object: return "object";
  case Schema::Type::array: return "array";
  case Schema::Type::string: return "string";
  case Schema::Type::integer: return "integer";
  case Schema::Type::number: return "number";
  case Schema::Type::boolean: return "boolean";
  case Schema::Type::int_or_string: return "integer or string";
  case Schema::Type::any: return "any";
  }
  return "any";
}

bool
type_matches(const Node& node, Schema::Type type)
{
  switch (type) {
  case Schema::Type::any: return true;
  case Schema::Type::object: return node.is_mapping();
  case Schema::Type::array: return node.is_sequence();
  case Schema::Type::string: return node.is_scalar() && node.scalar_type() == ScalarType::string;
  case Schema::Type::integer: return node.is_scalar() && node.scalar_type() == ScalarType::integer;
  case Schema::Type::number:
    return node.is_scalar()
           && (node.scalar_type() == ScalarType::integer || node.scalar_type() == ScalarType::number);
  case Schema::Type::boolean: return node.is_scalar() && node.scalar_type() == ScalarType::boolean;
  case Schema::Type::int_or_string:
    return node.is_scalar()
           && (node.scalar_type() == ScalarType::integer || node.scalar_type() == ScalarType::string);
  }
  return false;
}

// A value as the API server prints it in "Duplicate value" messages.
std::string
render_value(const Node& node)
{
  if (node.is_scalar()) {
    return node.scalar_type() == ScalarType::string ? util::quote(node.value) : node.value;
  }
  if (node.is_mapping()) {
    std::string out = "{";
    for (size_t i = 0; i < node.entries.size(); ++i) {
      out += (i ? "," : "") + util::quote(node.entries[i].key) + ":" + render_value(node.entries[i].value);
    }
    return out + "}";
  }
  if (node.is_sequence()) {
    std::string out = "[";
    for (size_t i = 0; i < node.items.size(); ++i) {
      out += (i ? "," : "") + render_value(node.items[i]);
    }
    return out + "]";
  }
  return "null";
}

std::string
map_key_of(const Node& item, const std::vector<std::string>& keys)
{
  std::string out = "{";
  for (size_t i = 0; i < keys.size(); ++i) {
    const Node* value = item.find(keys[i]);
    out += (i ? "," : "") + util::quote(keys[i]) + ":" + (value ? render_value(*value) : "null");
  }
  return out + "}";
}

std::string
enum_list(const std::vector<std::string>& values)
{
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    out += (i ? ", " : "") + util::quote(values[i]);
  }
  return out;
}

// Edit distance, case-insensitive: "concurency" -> "concurrency", "hostName" -> "hostname".
size_t
edit_distance(std::string_view a, std::string_view b)
{
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      const bool same = util::to_lower(a.substr(i - 1, 1)) == util::to_lower(b.substr(j - 1, 1));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The known field an unknown key was most likely meant to be, if any is close.
const Field*
nearest_field(const Schema& schema, std::string_view key, bool experimental)
{
  const Field* best = nullptr;
  size_t best_distance = key.size() <= 4 ? 1 : 2;
  for (const Field& candidate : schema.fields) {
    if (candidate.experimental_only && !experimental) {
      continue;
    }
    const size_t distance = edit_distance(key, candidate.name);
    if (distance <= best_distance && (!best || distance < edit_distance(key, best->name))) {
      best = &candidate;
      best_distance = distance;
    }
  }
  return best;
}

void
check_object(const Node& node, const Schema& schema, const std::string& path, Context& ctx)
{
  const bool experimental = ctx.options().gateway_channel == Channel::experimental;
  for (const manifest::Entry& entry : node.entries) {
    const Field* field = nullptr;
    for (const Field& candidate : schema.fields) {
      if (candidate.name == entry.key) {
        field = &candidate;
        break;
      }
    }
    const std::string child_path = join_path(path, entry.key);
    if (field && (!field->experimental_only || experimental)) {
      if (!entry.value.is_null()) {
        check_schema(entry.value, *field->schema, child_path, ctx);
      }
      continue;
    }
    if (schema.additional) {
      if (!entry.value.is_null()) {
        check_schema(entry.value, *schema.additional, child_path, ctx);
      }
      continue;
    }
    if (schema.preserve_unknown) {
      continue;
    }
    std::string message = "strict decoding error: unknown field " + util::quote(child_path);
    if (field) {
      message += " (field exists only in the Gateway API experimental channel)";
    } else if (const Field* near = nearest_field(schema, entry.key, experimental)) {
      message += " (did you mean " + util::quote(near->name) + "?)";
    }
    ctx.report(ctx.options().allow_unknown_fields ? core::Severity::warning : core::Severity::error, "KH005",
               child_path, entry.key_mark, std::move(message));
  }
  for (const Field& field : schema.fields) {
    if (field.required && (!field.experimental_only || experimental) && !has(node, field.name)) {
      ctx.error("KH101", join_path(path, field.name), node.mark, "Required value");
    }
  }
}

void
check_array(const Node& node, const Schema& schema, const std::string& path, Context& ctx)
{
  const size_t n = node.items.size();
  if (schema.max_items && n > *schema.max_items) {
    ctx.error("KH105", path, node.mark,
              "Too many: " + std::to_string(n) + ": must have at most " + std::to_string(*schema.max_items)
                + " items");
  }
  if (schema.min_items && n < *schema.min_items) {
    ctx.error("KH105", path, node.mark,
              "Invalid value: " + std::to_string(n) + ": " + path + " in body should have at least "
                + std::to_string(*schema.min_items) + " items");
  }
  if (schema.list_type != Schema::ListType::atomic) {
    std::set<std::string> seen;
    for (size_t i = 0; i < n; ++i) {
      const Node& item = node.items[i];
      const std::string key = schema.list_type == Schema::ListType::set ? render_value(item)
                                                                        : map_key_of(item, schema.map_keys);
      if (!seen.insert(key).second) {
        ctx.error("KH106", index_path(path, i), item.mark, "Duplicate value: " + key);
      }
    }
  }
  if (schema.items) {
    for (size_t i = 0; i < n; ++i) {
      if (node.items[i].is_null() && schema.items->type != Schema::Type::any) {
        // Unlike a null field (pruned), a null list item is kept and fails its type.
        ctx.error("KH102", index_path(path, i), node.items[i].mark,
                  "Invalid value: \"null\": " + index_path(path, i) + " in body must be of type "
                    + type_name(schema.items->type));
      } else if (!node.items[i].is_null()) {
        check_schema(node.items[i], *schema.items, index_path(path, i), ctx);
      }
    }
  }
}

void
check_string(const Node& node, const Schema& schema, const std::string& path, Context& ctx)
{
  const std::string& value = node.value;
  if (schema.max_length && value.size() > *schema.max_length) {
    ctx.error("KH105", path, node.mark,
              "Too long: may not be more than " + std::to_string(*schema.max_length) + " bytes");
  }
  if (schema.min_length && value.size() < *schema.min_length) {
    ctx.error("KH105", path, node.mark,
              "Invalid value: " + util::quote(value) + ": " + path + " in body should be at least "
                + std::to_string(*schema.min_length) + " chars long");
  }
  if (!schema.enum_values.empty()) {
    std::vector<std::string> allowed = schema.enum_values;
    if (ctx.options().gateway_channel == Channel::experimental) {
      allowed.insert(allowed.end(), schema.experimental_enum_values.begin(), schema.experimental_enum_values.end());
    }
    bool found = false;
    for (const std::string& candidate : allowed) {
      found = found || candidate == value;
    }
    if (!found) {
      ctx.error("KH103", path, node.mark,
                "Unsupported value: " + util::quote(value) + ": supported values: " + enum_list(allowed));
      return;
    }
  }
  if (schema.format && (!schema.min_length || value.size() >= *schema.min_length)) {
    if (auto reason = schema.format(value)) {
      ctx.error("KH104", path, node.mark, "Invalid value: " + util::quote(value) + ": " + *reason);
    }
  }
}

void
check_integer(const Node& node, const Schema& schema, const std::string& path, Context& ctx)
{
  const auto value = node.as_int();
  if (!value) {
    return;
  }
  const bool low = schema.minimum && *value < *schema.minimum;
  const bool high = schema.maximum && *value > *schema.maximum;
  if (!low && !high) {
    return;
  }
  std::string message = "Invalid value: " + std::to_string(*value) + ": ";
  if (schema.minimum && schema.maximum) {
    message += "must be between " + std::to_string(*schema.minimum) + " and " + std::to_string(*schema.maximum)
               + ", inclusive";
  } else if (low) {
    message += path + " in body should be greater than or equal to " + std::to_string(*schema.minimum);
  } else {
    message += path + " in body should be less than or equal to " + std::to_string(*schema.maximum);
  }
  ctx.error("KH105", path, node.mark, std::move(message));
}

} // namespace

void
check_schema(const Node& node, const Schema& schema, const std::string& path, Context& ctx)
{
  if (!type_matches(node, schema.type)) {
    ctx.error("KH102", path, node.mark,
              "Invalid value: " + util::quote(node.json_type()) + ": " + path + " in body must be of type "
                + type_name(schema.type));
    return;
  }
  switch (schema.type) {
  case Schema::Type::object: check_object(node, schema, path, ctx); break;
  case Schema::Type::array: check_array(node, schema, path, ctx); break;
  case Schema::Type::string: check_string(node, schema, path, ctx); break;
  case Schema::Type::integer: check_integer(node, schema, path, ctx); break;
  case Schema::Type::int_or_string:
    if (node.scalar_type() == ScalarType::integer) {
      check_integer(node, schema, path, ctx);
    } else {
      check_string(node, schema, path, ctx);
    }
    break;
  default: break;
  }
  for (const Check& check : schema.checks) {
    check(node, path, ctx);
  }
}

} // namespace kedahttp::validate
