// The parse-only peer of scripts/bench/validate.sh: yaml-cpp alone loads every
// document of every file and walks every node with its mark. This is the floor
// that `kedahttp validate` is measured against.

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

size_t
walk(const YAML::Node& node)
{
  size_t marks = static_cast<size_t>(node.Mark().line >= 0);
  if (node.IsMap()) {
    for (const auto& entry : node) {
      marks += walk(entry.first) + walk(entry.second);
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) {
      marks += walk(item);
    }
  }
  return marks;
}

} // namespace

int
main(int argc, char** argv)
{
  size_t documents = 0;
  size_t nodes = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    for (const YAML::Node& doc : YAML::LoadAll(text.str())) {
      if (!doc.IsNull()) {
        ++documents;
        nodes += walk(doc);
      }
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%zu documents, %zu nodes in %.3f s\n", documents, nodes, seconds);
  return 0;
}
