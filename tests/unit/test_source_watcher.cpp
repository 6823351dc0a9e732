// source::Watcher on real directories: every way a manifest can change is
// reported, irrelevant files are not. No sleeps: a change must be reported
// within a generous deadline, "nothing happened" is checked with a short one.

#include "testutil/temp_dir.hpp"

#include <kedahttp/source/manifest_source.hpp>
#include <kedahttp/source/watcher.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

using kedahttp::source::ManifestSource;
using kedahttp::source::Watcher;
using kedahttp::testutil::TempDir;

namespace {

constexpr std::chrono::milliseconds k_change{5000};   // generous: a loaded CI machine
constexpr std::chrono::milliseconds k_no_change{200}; // long enough for inotify, short enough to run often

const std::string k_service = "apiVersion: v1\nkind: Service\nmetadata: {name: shop, namespace: shop}\n"
                              "spec: {ports: [{port: 8080}]}\n";

} // namespace

TEST_CASE("source::Watcher reports changes in a watched directory", "[source]")
{
  TempDir dir;
  dir.write("a.yaml", k_service);
  Watcher watcher({dir.path()});
  REQUIRE(watcher.errors().empty());
  REQUIRE(watcher.fd() >= 0);
  CHECK_FALSE(watcher.wait_for_change(k_no_change));

  SECTION("a modified file")
  {
    dir.write("a.yaml", k_service + "# edited\n");
    CHECK(watcher.wait_for_change(k_change));
    CHECK_FALSE(watcher.wait_for_change(k_no_change)); // the burst was coalesced
  }
  SECTION("a new file")
  {
    dir.write("b.yml", k_service);
    CHECK(watcher.wait_for_change(k_change));
  }
  SECTION("an atomic replacement (write a temporary file, rename it over)")
  {
    dir.write_atomic("a.yaml", k_service + "# replaced\n");
    CHECK(watcher.wait_for_change(k_change));
    dir.write_atomic("a.yaml", k_service + "# replaced again\n");
    CHECK(watcher.wait_for_change(k_change));
  }
  SECTION("a deleted file")
  {
    dir.remove("a.yaml");
    CHECK(watcher.wait_for_change(k_change));
  }
  SECTION("a file in a new subdirectory")
  {
    dir.mkdir("team/routes");
    CHECK(watcher.wait_for_change(k_change));
    dir.write("team/routes/b.json", "{}");
    CHECK(watcher.wait_for_change(k_change));
    dir.write("team/routes/b.json", "{\"kind\": \"x\"}");
    CHECK(watcher.wait_for_change(k_change));
  }
  SECTION("a subdirectory moved in, and out again")
  {
    TempDir outside;
    outside.write("sub/c.yaml", k_service);
    std::filesystem::rename(outside.file("sub"), dir.file("sub"));
    CHECK(watcher.wait_for_change(k_change));
    dir.write("sub/c.yaml", k_service + "# edited\n");
    CHECK(watcher.wait_for_change(k_change));
    std::filesystem::rename(dir.file("sub"), outside.file("gone"));
    CHECK(watcher.wait_for_change(k_change));
    outside.write("gone/c.yaml", "# no longer ours\n");
    CHECK_FALSE(watcher.wait_for_change(k_no_change));
  }
  SECTION("editor swap files and other names are not changes")
  {
    dir.write(".a.yaml.swp", "swap");
    dir.write("a.yaml~", "backup");
    dir.write("README.md", "notes");
    CHECK_FALSE(watcher.wait_for_change(k_no_change));
  }
}

TEST_CASE("source::Watcher watches a file through its directory", "[source]")
{
  TempDir dir;
  const std::string file = dir.write("routes.yaml", k_service);
  Watcher watcher({file});
  REQUIRE(watcher.errors().empty());

  // Each replacement is a new inode; a watch on the first one would miss the second.
  dir.write_atomic("routes.yaml", k_service + "# 1\n");
  CHECK(watcher.wait_for_change(k_change));
  dir.write_atomic("routes.yaml", k_service + "# 2\n");
  CHECK(watcher.wait_for_change(k_change));
  dir.write("routes.yaml", k_service + "# 3\n");
  CHECK(watcher.wait_for_change(k_change));

  // Other files next to it are not ours.
  dir.write("other.yaml", k_service);
  CHECK_FALSE(watcher.wait_for_change(k_no_change));

  dir.remove("routes.yaml");
  CHECK(watcher.wait_for_change(k_change));
  dir.write("routes.yaml", k_service);
  CHECK(watcher.wait_for_change(k_change));
}

TEST_CASE("source::Watcher follows a watched directory that is replaced as a whole", "[source]")
{
  TempDir dir;
  const std::string root = dir.mkdir("manifests");
  Watcher watcher({root});
  dir.remove("manifests");
  CHECK(watcher.wait_for_change(k_change));
  dir.mkdir("manifests");
  CHECK(watcher.wait_for_change(k_change));
  dir.write("manifests/a.yaml", k_service);
  CHECK(watcher.wait_for_change(k_change));
}

TEST_CASE("source::Watcher reports paths it cannot watch", "[source]")
{
  TempDir dir;
  Watcher watcher({dir.file("no/such/dir")});
  REQUIRE(watcher.errors().size() == 1);
  CHECK(watcher.errors()[0] == dir.file("no/such/dir") + ": no such file or directory");
  CHECK_FALSE(watcher.wait_for_change(k_no_change));
}

TEST_CASE("source::Watcher and ManifestSource: a change is seen and applied", "[source]")
{
  TempDir dir;
  dir.write("svc.yaml", k_service);
  ManifestSource source({dir.path()});
  Watcher watcher(source.paths());
  REQUIRE(source.load()->services.size() == 1);

  // "Scaling up": an EndpointSlice with a ready endpoint appears.
  dir.write_atomic("slice.yaml", "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
                                 "metadata:\n  name: shop-1\n  namespace: shop\n"
                                 "  labels: {kubernetes.io/service-name: shop}\naddressType: IPv4\n"
                                 "endpoints: [{addresses: [10.0.0.9], conditions: {ready: true}}]\n");
  REQUIRE(watcher.wait_for_change(k_change));
  const auto state = source.reload();
  REQUIRE(state->endpoint_slices.size() == 1);
  CHECK(state->endpoint_slices[0].endpoints[0].ready);
  CHECK(state->generation == 2);
}
