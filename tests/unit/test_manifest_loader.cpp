#include <kedahttp/manifest/loader.hpp>

#include <catch2/catch.hpp>

#include <string>

using kedahttp::manifest::load_text;
using kedahttp::manifest::LoadResult;

namespace {

LoadResult
load(const std::string& text)
{
  LoadResult result;
  load_text(text, "in.yaml", result);
  return result;
}

} // namespace

TEST_CASE("manifest::load_text splits documents and keeps 1-based marks")
{
  const auto result = load("apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n---\n# only a comment\n---\n"
                           "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n");
  REQUIRE(result.diagnostics.empty());
  REQUIRE(result.objects.size() == 2);
  CHECK(result.objects[0].ref.name == "a");
  CHECK(result.objects[1].ref.kind == "ConfigMap");
  CHECK(result.objects[1].document == 2);
  const auto* name = result.objects[1].root.find("metadata")->find("name");
  REQUIRE(name != nullptr);
  CHECK(name->mark.line == 10);
  CHECK(name->mark.column == 18);
}

TEST_CASE("manifest::load_text handles a marker followed by content, CRLF and a BOM")
{
  const auto result = load("\xEF\xBB\xBF--- {apiVersion: v1, kind: Service, metadata: {name: x, }, }\r\n...\r\n");
  REQUIRE(result.diagnostics.empty());
  REQUIRE(result.objects.size() == 1);
  CHECK(result.objects[0].ref.name == "x");
  CHECK(result.objects[0].root.mark.line == 1);
  CHECK(result.objects[0].root.mark.column == 5);
}

TEST_CASE("manifest::load_text expands kind: List and reads JSON")
{
  const auto list = load("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: "
                         "s1}\n- {apiVersion: v1, kind: Service, metadata: {name: s2}}\n");
  REQUIRE(list.objects.size() == 2);
  CHECK(list.objects[1].ref.name == "s2");
  CHECK(list.objects[1].path_prefix == "items[1]");

  const auto json = load("{\n\t\"apiVersion\": \"v1\",\n\t\"kind\": \"Service\",\n\t\"metadata\": {\"name\": \"j\"}\n}\n");
  REQUIRE(json.diagnostics.empty());
  REQUIRE(json.objects.size() == 1);
  CHECK(json.objects[0].ref.name == "j");
}

TEST_CASE("manifest::load_text keeps Helm's # Source: path")
{
  const auto result = load("---\n# Source: chart/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata: {name: "
                           "s}\n");
  REQUIRE(result.objects.size() == 1);
  CHECK(result.objects[0].source == "chart/templates/svc.yaml");
}

TEST_CASE("manifest::load_text reports syntax errors with a position and keeps other documents")
{
  const auto result = load("apiVersion: v1\nkind: Service\nmetadata: {name: [a\n---\napiVersion: v1\nkind: "
                           "Service\nmetadata: {name: ok}\n");
  REQUIRE(result.diagnostics.size() == 1);
  CHECK(result.diagnostics[0].code == "KH001");
  CHECK(result.diagnostics[0].mark.line >= 3);
  CHECK(result.diagnostics[0].message.rfind("YAML syntax error: ", 0) == 0);
  REQUIRE(result.objects.size() == 1);
  CHECK(result.objects[0].ref.name == "ok");
}

TEST_CASE("manifest::load_text reports duplicate keys with both lines")
{
  const auto result = load("apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  name: b\n");
  REQUIRE(result.diagnostics.size() == 1);
  CHECK(result.diagnostics[0].code == "KH004");
  CHECK(result.diagnostics[0].mark == kedahttp::core::SourceMark{5, 3});
  CHECK(result.diagnostics[0].message == "duplicate key \"name\" in mapping (first at line 4)");
}

TEST_CASE("manifest::load_text detects unrendered templates")
{
  const auto broken = load("{{- if .Values.enabled }}\napiVersion: v1\nkind: Service\n{{- end }}\n");
  REQUIRE(broken.diagnostics.size() == 1);
  CHECK(broken.diagnostics[0].code == "KH003");
  CHECK(broken.diagnostics[0].mark == kedahttp::core::SourceMark{1, 1});

  const auto parsed = load("apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ include \"x\" . }}\n");
  REQUIRE(parsed.diagnostics.size() == 1);
  CHECK(parsed.diagnostics[0].code == "KH003");
  CHECK(parsed.diagnostics[0].mark.line == 4);

  // A literal "{{" in a body is not a template.
  const auto body = load("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\ndata:\n  page: \"<p>{{name}}</p>\"\n");
  CHECK(body.diagnostics.empty());
}

TEST_CASE("manifest::load_text survives hostile input")
{
  SECTION("100,000 nested flow sequences")
  {
    const auto result = load(std::string(100000, '[') + "\n");
    REQUIRE(result.diagnostics.size() == 1);
    CHECK(result.diagnostics[0].code == "KH001");
    CHECK(result.diagnostics[0].message == "YAML syntax error: nesting deeper than 256 levels");
  }
  SECTION("deeply nested block sequences")
  {
    std::string text;
    for (int i = 0; i < 5000; ++i) {
      text += "- ";
    }
    const auto result = load(text + "x\n");
    REQUIRE(result.diagnostics.size() == 1);
    CHECK(result.diagnostics[0].code == "KH001");
  }
  SECTION("binary garbage")
  {
    const auto result = load(std::string("apiVersion: v1\nkind: \x01\x02\x03\n", 23));
    REQUIRE(result.diagnostics.size() == 1);
    CHECK(result.diagnostics[0].mark == kedahttp::core::SourceMark{2, 7});
    CHECK(result.diagnostics[0].message
          == "YAML syntax error: control character 0x01 is not allowed (is this a binary file?)");
  }
  SECTION("invalid UTF-8")
  {
    const auto result = load("apiVersion: v1\nkind: Serv\xff\xfeice\n");
    REQUIRE(result.diagnostics.size() == 1);
    CHECK(result.diagnostics[0].mark == kedahttp::core::SourceMark{2, 11});
    CHECK(result.diagnostics[0].message == "YAML syntax error: invalid UTF-8 byte 0xFF (manifests must be UTF-8)");
  }
  SECTION("UTF-16")
  {
    const auto result = load("\xFF\xFE" "a\0:\0");
    REQUIRE(result.diagnostics.size() == 1);
    CHECK(result.diagnostics[0].message == "YAML syntax error: file is UTF-16 encoded; save it as UTF-8");
  }
  SECTION("alias expansion bomb")
  {
    std::string text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    char prev = 'a';
    for (char c = 'b'; c <= 'k'; ++c) {
      text += std::string(1, c) + ": &" + c + " [";
      for (int i = 0; i < 10; ++i) {
        text += std::string(i ? ", *" : "*") + prev;
      }
      text += "]\n";
      prev = c;
    }
    const auto result = load(text);
    REQUIRE(result.diagnostics.size() == 1);
    CHECK(result.diagnostics[0].code == "KH001");
  }
  SECTION("truncated document")
  {
    const auto result = load("apiVersion: v1\nkind: Service\nmetadata:\n  name: \"unterminated\n");
    REQUIRE(result.diagnostics.size() == 1);
    CHECK(result.diagnostics[0].code == "KH001");
    CHECK(result.diagnostics[0].mark.line >= 4);
  }
}
