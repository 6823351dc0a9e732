#pragma once

// A fresh directory under /tmp for one test, removed with everything in it when
// the test ends (ccache's TestContext, without changing the working directory:
// Catch2 runs test cases in one process and the paths stay absolute).

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace kedahttp::testutil {

// --- Interface ---

class TempDir
{
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return m_path; }
  // `relative` inside the directory, as an absolute path.
  std::string file(std::string_view relative) const { return m_path + "/" + std::string(relative); }

  // Creates or truncates `relative` (and its parent directories) with `content`.
  std::string write(std::string_view relative, std::string_view content) const;
  // Replaces `relative` as editors and kubectl-style tools do: write a sibling
  // temporary file, then rename it over the target.
  std::string write_atomic(std::string_view relative, std::string_view content) const;
  std::string mkdir(std::string_view relative) const;
  void remove(std::string_view relative) const;

private:
  std::string m_path;
};

// --- Inline implementations ---

inline TempDir::TempDir()
{
  std::string pattern = "/tmp/kedahttp-test-XXXXXX";
  if (!::mkdtemp(pattern.data())) {
    throw std::runtime_error("mkdtemp failed");
  }
  m_path = pattern;
}

inline TempDir::~TempDir()
{
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);
}

inline std::string
TempDir::write(std::string_view relative, std::string_view content) const
{
  const std::string target = file(relative);
  std::filesystem::create_directories(std::filesystem::path(target).parent_path());
  std::ofstream out(target, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) {
    throw std::runtime_error("cannot write " + target);
  }
  return target;
}

inline std::string
TempDir::write_atomic(std::string_view relative, std::string_view content) const
{
  const std::string target = file(relative);
  const std::string temporary = write(std::string(relative) + ".tmp~", content);
  std::filesystem::rename(temporary, target);
  return target;
}

inline std::string
TempDir::mkdir(std::string_view relative) const
{
  const std::string target = file(relative);
  std::filesystem::create_directories(target);
  return target;
}

inline void
TempDir::remove(std::string_view relative) const
{
  std::filesystem::remove_all(file(relative));
}

} // namespace kedahttp::testutil
