#include <kedahttp/manifest/loader.hpp>

#include <kedahttp/util/strings.hpp>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <deque>
#include <cerrno>
#include <cstring>
#include <optional>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

namespace fs = std::filesystem;

namespace kedahttp::manifest {

namespace {

core::Diagnostic
input_diagnostic(const std::string& file, core::SourceMark mark, std::string code, std::string message)
{
  core::Diagnostic d;
  d.severity = core::Severity::error;
  d.code = std::move(code);
  d.file = file;
  d.mark = mark;
  d.message = std::move(message);
  return d;
}

// Thrown from the event handler to abandon one document.
struct DocumentError {
  core::SourceMark mark;
  std::string code;
  std::string message;
};

// Builds a Node tree from yaml-cpp events. yaml-cpp calls us before it recurses
// into a child, so throwing at `max_depth` bounds its recursion too.
class TreeBuilder : public YAML::EventHandler
{
public:
  TreeBuilder(int line_offset, const LoadOptions& options, std::vector<core::Diagnostic>& duplicates,
              const std::string& file)
    : m_line_offset(line_offset), m_options(options), m_duplicates(duplicates), m_file(file)
  {
  }

  Node take_root() { return std::move(m_root); }
  // Where the first collection used as a mapping key is, if any.
  core::SourceMark complex_key() const { return m_complex_key; }
  bool has_root() const { return m_has_root; }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override
  {
    Node node;
    node.mark = pending_value_mark(mark);
    finish_leaf(std::move(node), anchor);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override
  {
    const auto it = m_anchors.find(anchor);
    if (it == m_anchors.end()) {
      throw DocumentError{to_mark(mark), "KH001", "YAML syntax error: unknown alias"};
    }
    m_node_count += count_nodes(it->second);
    check_size(mark);
    Node copy = it->second;
    finish_leaf(std::move(copy), 0);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override
  {
    if (expecting_key()) {
      Frame& frame = m_stack.back();
      frame.key = value;
      frame.key_mark = to_mark(mark);
      frame.has_key = true;
      return;
    }
    Node node;
    node.type = NodeType::scalar;
    node.mark = to_mark(mark);
    node.value = value;
    // yaml-cpp tags plain scalars "?" and quoted/block scalars "!".
    node.quoted = tag != "?";
    if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float"
        || tag == "tag:yaml.org,2002:bool") {
      node.quoted = false;
    }
    finish_leaf(std::move(node), anchor);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override
  {
    open(NodeType::sequence, mark, anchor);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override
  {
    open(NodeType::mapping, mark, anchor);
  }
  void OnMapEnd() override { close(); }

private:
  struct Frame {
    Node* node;
    YAML::anchor_t anchor;
    bool has_key = false;
    std::string key;
    core::SourceMark key_mark;
    // Index of keys for duplicate detection; built lazily for large mappings.
    std::unordered_map<std::string, int> seen;
  };

  core::SourceMark to_mark(const YAML::Mark& mark) const
  {
    if (mark.is_null()) {
      return {};
    }
    return {mark.line + 1 + m_line_offset, mark.column + 1};
  }

  bool expecting_key() const
  {
    return !m_stack.empty() && m_stack.back().node->type == NodeType::mapping && !m_stack.back().has_key;
  }

  // An empty value ("key:") is reported by yaml-cpp at the next token; point at the key instead.
  core::SourceMark pending_value_mark(const YAML::Mark& mark) const
  {
    if (!m_stack.empty() && m_stack.back().has_key) {
      return m_stack.back().key_mark;
    }
    return to_mark(mark);
  }

  void check_size(const YAML::Mark& mark)
  {
    if (m_node_count > m_options.max_nodes) {
      throw DocumentError{to_mark(mark), "KH001",
                          "YAML syntax error: document expands to more than "
                            + std::to_string(m_options.max_nodes) + " nodes"};
    }
  }

  static size_t count_nodes(const Node& node)
  {
    size_t n = 1;
    for (const Node& item : node.items) {
      n += count_nodes(item);
    }
    for (const Entry& entry : node.entries) {
      n += count_nodes(entry.value);
    }
    return n;
  }

  // Places `node` in its parent (or as the root) and returns where it now lives.
  Node* place(Node node)
  {
    ++m_node_count;
    if (m_stack.empty()) {
      m_root = std::move(node);
      m_has_root = true;
      return &m_root;
    }
    Frame& parent = m_stack.back();
    if (parent.node->type == NodeType::sequence) {
      parent.node->items.push_back(std::move(node));
      return &parent.node->items.back();
    }
    if (!parent.has_key) {
      // A collection used as a mapping key. JSON (and so Kubernetes) has no such
      // thing; build it aside so the depth guard keeps working, report it afterwards.
      if (!m_complex_key.known()) {
        m_complex_key = node.mark;
      }
      parent.key = "<complex key>";
      parent.key_mark = node.mark;
      parent.has_key = true;
      m_scratch.push_back(std::move(node));
      return &m_scratch.back();
    }
    parent.has_key = false;
    check_duplicate(parent);
    parent.node->entries.push_back(Entry{std::move(parent.key), parent.key_mark, std::move(node)});
    return &parent.node->entries.back().value;
  }

  void check_duplicate(Frame& frame)
  {
    auto& entries = frame.node->entries;
    const Entry* first = nullptr;
    if (entries.size() < 16) {
      for (const Entry& entry : entries) {
        if (entry.key == frame.key) {
          first = &entry;
          break;
        }
      }
    } else {
      if (frame.seen.empty()) {
        for (size_t i = 0; i < entries.size(); ++i) {
          frame.seen.emplace(entries[i].key, static_cast<int>(i));
        }
      }
      const auto [it, inserted] = frame.seen.emplace(frame.key, static_cast<int>(entries.size()));
      if (!inserted) {
        first = &entries[static_cast<size_t>(it->second)];
      }
    }
    if (first) {
      m_duplicates.push_back(input_diagnostic(
        m_file, frame.key_mark, "KH004",
        "duplicate key " + util::quote(frame.key) + " in mapping (first at line "
          + std::to_string(first->key_mark.line) + ")"));
    }
  }

  void finish_leaf(Node node, YAML::anchor_t anchor)
  {
    Node* placed = place(std::move(node));
    check_size(YAML::Mark::null_mark());
    if (anchor != 0) {
      m_anchors[anchor] = *placed;
    }
  }

  void open(NodeType type, const YAML::Mark& mark, YAML::anchor_t anchor)
  {
    if (static_cast<int>(m_stack.size()) >= m_options.max_depth) {
      throw DocumentError{to_mark(mark), "KH001",
                          "YAML syntax error: nesting deeper than " + std::to_string(m_options.max_depth)
                            + " levels"};
    }
    Node node;
    node.type = type;
    node.mark = to_mark(mark);
    Node* placed = place(std::move(node));
    m_stack.push_back(Frame{placed, anchor, false, {}, {}, {}});
  }

  void close()
  {
    const Frame frame = std::move(m_stack.back());
    m_stack.pop_back();
    if (frame.anchor != 0) {
      m_anchors[frame.anchor] = *frame.node;
    }
  }

  int m_line_offset;
  const LoadOptions& m_options;
  std::vector<core::Diagnostic>& m_duplicates;
  const std::string& m_file;
  Node m_root;
  bool m_has_root = false;
  std::vector<Frame> m_stack;
  std::map<YAML::anchor_t, Node> m_anchors;
  std::deque<Node> m_scratch; // complex keys: stable addresses while they are built
  core::SourceMark m_complex_key;
  size_t m_node_count = 0;
};

// Checks UTF-8 and control characters; returns the first problem with its position.
std::optional<core::Diagnostic>
check_encoding(std::string_view text, const std::string& file)
{
  int line = 1;
  int column = 1;
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    size_t length = 1;
    if (byte == '\n') {
      ++line;
      column = 1;
      ++i;
      continue;
    }
    if (byte < 0x80) {
      if (byte < 0x20 && byte != '\t' && byte != '\r') {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "0x%02X", byte);
        return input_diagnostic(file, {line, column}, "KH001",
                                std::string("YAML syntax error: control character ") + buf
                                  + " is not allowed (is this a binary file?)");
      }
    } else {
      uint32_t min = 0;
      if ((byte & 0xE0) == 0xC0) {
        length = 2;
        min = 0x80;
      } else if ((byte & 0xF0) == 0xE0) {
        length = 3;
        min = 0x800;
      } else if ((byte & 0xF8) == 0xF0) {
        length = 4;
        min = 0x10000;
      } else {
        length = 0;
      }
      uint32_t code_point = length ? (byte & (0xFF >> (length + 1))) : 0;
      bool valid = length > 0 && i + length <= text.size();
      for (size_t k = 1; valid && k < length; ++k) {
        const auto next = static_cast<unsigned char>(text[i + k]);
        valid = (next & 0xC0) == 0x80;
        code_point = (code_point << 6) | (next & 0x3F);
      }
      valid = valid && code_point >= min && code_point <= 0x10FFFF
              && !(code_point >= 0xD800 && code_point <= 0xDFFF);
      if (!valid) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "0x%02X", byte);
        return input_diagnostic(file, {line, column}, "KH001",
                                std::string("YAML syntax error: invalid UTF-8 byte ") + buf
                                  + " (manifests must be UTF-8)");
      }
    }
    i += length;
    ++column;
  }
  return std::nullopt;
}

// A line that starts a new YAML document ("---") or ends one ("...").
bool
is_marker_line(std::string_view line, std::string_view marker)
{
  if (line.substr(0, 3) != marker) {
    return false;
  }
  return line.size() == 3 || line[3] == ' ' || line[3] == '\t';
}

struct Chunk {
  int first_line = 1; // 1-based line of the chunk's first line in the file
  std::string text;
  int lines = 0;      // number of lines in `text`
};

// Splits a stream on document markers so that a syntax error in one document
// does not hide the others. A marker's own text is blanked to keep columns.
std::vector<Chunk>
split_documents(std::string_view text)
{
  std::vector<Chunk> chunks;
  Chunk current;
  int line_number = 1;
  bool started = false;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = text.substr(pos, end - pos);
    if (is_marker_line(line, "---")) {
      if (started) {
        chunks.push_back(std::move(current));
      }
      current = Chunk{line_number, "   " + std::string(line.substr(3)) + "\n", 1};
      started = true;
    } else if (is_marker_line(line, "...")) {
      if (started) {
        chunks.push_back(std::move(current));
      }
      current = Chunk{line_number + 1, {}, 0};
      started = false;
    } else {
      if (!started) {
        current.first_line = line_number;
        started = true;
      }
      current.text.append(line);
      current.text += '\n';
      ++current.lines;
    }
    if (end == text.size()) {
      break;
    }
    pos = end + 1;
    ++line_number;
  }
  if (started) {
    chunks.push_back(std::move(current));
  }
  return chunks;
}

// Finds "{{" outside comments; returns its 1-based position in the chunk.
std::optional<core::SourceMark>
find_template_syntax(std::string_view text)
{
  int line = 1;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view content = text.substr(pos, end - pos);
    const std::string_view trimmed = util::trim(content);
    if (!trimmed.empty() && trimmed.front() != '#') {
      const size_t at = content.find("{{");
      if (at != std::string_view::npos) {
        return core::SourceMark{line, static_cast<int>(at) + 1};
      }
    }
    pos = end + 1;
    ++line;
  }
  return std::nullopt;
}

// Go template actions in a value that otherwise parsed ("{{ .Values.x }}", "{{- if"):
// text that happens to contain "{{" (a mustache body, say) is not flagged.
bool
has_template_action(const Node& node)
{
  if (node.type == NodeType::scalar) {
    size_t at = node.value.find("{{");
    while (at != std::string::npos) {
      std::string_view rest = std::string_view(node.value).substr(at + 2);
      if (!rest.empty() && rest.front() == '-') {
        rest.remove_prefix(1);
      }
      rest = util::trim(rest);
      for (std::string_view word : {".", "$", "if ", "range ", "include ", "end", "with ", "else",
                                    "template ", "toYaml ", "tpl ", "define ", "/*"}) {
        if (rest.substr(0, word.size()) == word) {
          return true;
        }
      }
      at = node.value.find("{{", at + 2);
    }
    return false;
  }
  for (const Node& item : node.items) {
    if (has_template_action(item)) {
      return true;
    }
  }
  for (const Entry& entry : node.entries) {
    if (has_template_action(entry.value)) {
      return true;
    }
  }
  return false;
}

std::string
helm_source(std::string_view chunk)
{
  const std::string_view marker = "# Source: ";
  const size_t at = chunk.find(marker);
  if (at == std::string_view::npos || (at > 0 && chunk[at - 1] != '\n' && chunk[at - 1] != ' ')) {
    return {};
  }
  const size_t end = chunk.find('\n', at);
  return std::string(util::trim(chunk.substr(at + marker.size(), end - at - marker.size())));
}

std::string
scalar_or_empty(const Node& root, std::string_view key)
{
  const Node* node = root.find(key);
  return node && node->is_scalar() ? node->value : std::string();
}

core::ObjectRef
object_ref(const Node& root)
{
  core::ObjectRef ref;
  ref.api_version = scalar_or_empty(root, "apiVersion");
  ref.kind = scalar_or_empty(root, "kind");
  if (const Node* metadata = root.find("metadata")) {
    ref.name = scalar_or_empty(*metadata, "name");
    ref.ns = scalar_or_empty(*metadata, "namespace");
  }
  return ref;
}

void
add_objects(Node root, const std::string& file, const std::string& source, int document, LoadResult& result)
{
  if (root.is_null()) {
    return; // empty or comment-only document
  }
  if (!root.is_mapping()) {
    result.diagnostics.push_back(input_diagnostic(
      file, root.mark, "KH002",
      "document is a " + std::string(root.json_type())
        + ", not a Kubernetes object (a mapping with apiVersion and kind)"));
    return;
  }
  const Node* kind = root.find("kind");
  const Node* items = root.find("items");
  if (kind && kind->is_scalar() && kind->value.ends_with("List") && items
      && items->is_sequence()) {
    for (size_t i = 0; i < items->items.size(); ++i) {
      Node item = items->items[i];
      if (!item.is_mapping()) {
        result.diagnostics.push_back(
          input_diagnostic(file, item.mark, "KH002", "items[" + std::to_string(i) + "] is not an object"));
        continue;
      }
      Object object{file, source, document, "items[" + std::to_string(i) + "]", std::move(item), {}};
      object.ref = object_ref(object.root);
      result.objects.push_back(std::move(object));
    }
    return;
  }
  Object object{file, source, document, {}, std::move(root), {}};
  object.ref = object_ref(object.root);
  result.objects.push_back(std::move(object));
}

void
parse_chunk(const Chunk& chunk, const std::string& file, int document, LoadResult& result,
            const LoadOptions& options)
{
  const int offset = chunk.first_line - 1;
  std::vector<core::Diagnostic> duplicates;
  TreeBuilder builder(offset, options, duplicates, file);
  // yaml-cpp accepts a quoted scalar left open at the end of its input; an
  // explicit document end makes it an error, as in every other YAML parser.
  std::istringstream stream(chunk.text + "...\n");
  auto report_template = [&](core::SourceMark at) {
    result.diagnostics.push_back(input_diagnostic(
      file, {at.line + offset, at.column}, "KH003",
      "document contains template syntax '{{'; render it first (helm template / kustomize build)"));
  };
  try {
    YAML::Parser parser(stream);
    parser.HandleNextDocument(builder);
    if (builder.complex_key().known()) {
      throw DocumentError{builder.complex_key(), "KH001",
                          "YAML syntax error: a collection used as a mapping key (not representable in JSON)"};
    }
  } catch (const DocumentError& error) {
    if (const auto at = find_template_syntax(chunk.text)) {
      report_template(*at);
    } else {
      result.diagnostics.push_back(input_diagnostic(file, error.mark, error.code, error.message));
    }
    return;
  } catch (const YAML::Exception& error) {
    if (const auto at = find_template_syntax(chunk.text)) {
      report_template(*at);
      return;
    }
    core::SourceMark mark;
    std::string message = "YAML syntax error: " + error.msg;
    if (!error.mark.is_null()) {
      mark = {error.mark.line + 1 + offset, error.mark.column + 1};
      if (error.mark.line + 1 >= chunk.lines && error.msg == "illegal document indicator in scalar") {
        message = "YAML syntax error: unterminated quoted scalar (the document ends inside it)";
      }
    }
    result.diagnostics.push_back(input_diagnostic(file, mark, "KH001", std::move(message)));
    return;
  }
  Node root = builder.take_root();
  if (has_template_action(root)) {
    report_template(find_template_syntax(chunk.text).value_or(core::SourceMark{1, 1}));
    return;
  }
  for (core::Diagnostic& duplicate : duplicates) {
    result.diagnostics.push_back(std::move(duplicate));
  }
  add_objects(std::move(root), file, helm_source(chunk.text), document, result);
}

bool
has_manifest_extension(const fs::path& path)
{
  const std::string ext = util::to_lower(path.extension().string());
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

void
load_file(const std::string& path, LoadResult& result, const LoadOptions& options, std::set<fs::path>& seen)
{
  // A file reached twice (a symlink, or a path given twice) is read once.
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(path, ec);
  if (!ec && !seen.insert(canonical).second) {
    return;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    result.input_errors.push_back(path + ": cannot read file: " + std::strerror(errno));
    return;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    result.input_errors.push_back(path + ": read error");
    return;
  }
  load_text(text, path, result, options);
}

} // namespace

void
load_text(std::string_view text, const std::string& file, LoadResult& result, const LoadOptions& options)
{
  result.files.push_back(file);
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    text.remove_prefix(3);
  } else if (text.substr(0, 2) == "\xFF\xFE" || text.substr(0, 2) == "\xFE\xFF") {
    result.diagnostics.push_back(input_diagnostic(
      file, {1, 1}, "KH001", "YAML syntax error: file is UTF-16 encoded; save it as UTF-8"));
    return;
  }
  if (auto problem = check_encoding(text, file)) {
    result.diagnostics.push_back(std::move(*problem));
    return;
  }
  std::string normalised;
  if (text.find('\r') != std::string_view::npos) {
    normalised.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
        continue;
      }
      normalised += text[i];
    }
    text = normalised;
  }
  int document = 0;
  for (const Chunk& chunk : split_documents(text)) {
    parse_chunk(chunk, file, document++, result, options);
  }
}

LoadResult
load_paths(const std::vector<std::string>& paths, const LoadOptions& options)
{
  LoadResult result;
  std::set<fs::path> seen;
  for (const std::string& path : paths) {
    if (path == "-") {
      std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
      load_text(text, "<stdin>", result, options);
      continue;
    }
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      result.input_errors.push_back(path + ": no such file or directory");
      continue;
    }
    if (!fs::is_directory(status)) {
      load_file(path, result, options, seen);
      continue;
    }
    std::vector<std::string> found;
    for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file() && has_manifest_extension(it->path())) {
        found.push_back(it->path().string());
      }
    }
    if (ec) {
      result.input_errors.push_back(path + ": cannot list directory: " + ec.message());
    }
    std::sort(found.begin(), found.end());
    for (const std::string& file : found) {
      load_file(file, result, options, seen);
    }
  }
  return result;
}

} // namespace kedahttp::manifest
