// Request counters and the /queue document (spec/interceptor.md 2.1 "EnsureKey", 3.3, 4.1;
// upstream pkg/queue/queue.go: Decrease clamps the stored value at 0).

#include <kedahttp/queue/counters.hpp>

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

using namespace kedahttp;
using namespace kedahttp::queue;

TEST_CASE("queue::RouteCounter counts arrivals and in-flight requests", "[queue]")
{
  RouteCounter counter;
  CHECK(counter.concurrency() == 0);
  CHECK(counter.request_count() == 0);

  counter.arrive();
  counter.arrive();
  counter.arrive();
  CHECK(counter.concurrency() == 3);
  CHECK(counter.request_count() == 3);

  counter.leave();
  CHECK(counter.concurrency() == 2);
  CHECK(counter.request_count() == 3); // monotonic: leaving never lowers it
}

TEST_CASE("queue::RouteCounter clamps concurrency at 0", "[queue]")
{
  RouteCounter counter;
  SECTION("leaving with nothing in flight reads 0")
  {
    counter.leave();
    counter.leave();
    CHECK(counter.concurrency() == 0);
    CHECK(counter.request_count() == 0);
  }
  SECTION("the stored value is clamped, not only the reading (upstream Decrease)")
  {
    counter.arrive();
    counter.leave();
    counter.leave(); // one too many: stays at 0
    counter.leave();
    counter.arrive();
    CHECK(counter.concurrency() == 1);
    CHECK(counter.request_count() == 2);
    counter.leave();
    CHECK(counter.concurrency() == 0);
  }
}

TEST_CASE("queue::CounterRegistry::sync follows the route table", "[queue]")
{
  CounterRegistry registry;

  SECTION("new keys start at zero; counters come back in the order of the keys")
  {
    const auto counters = registry.sync({"shop/b", "default/a"});
    REQUIRE(counters.size() == 2);
    CHECK(counters[0] == registry.find("shop/b"));
    CHECK(counters[1] == registry.find("default/a"));
    CHECK(counters[0]->concurrency() == 0);
    CHECK(counters[0]->request_count() == 0);
    CHECK(registry.find("default/missing") == nullptr);
  }
  SECTION("kept keys keep counting across a rebuild; removed keys vanish; re-added keys restart")
  {
    auto first = registry.sync({"default/a", "default/b"});
    first[0]->arrive();
    first[0]->arrive();
    first[1]->arrive();

    const auto second = registry.sync({"default/a", "default/c"});
    CHECK(second[0] == first[0]); // the same counter object: in-flight requests keep theirs
    CHECK(second[0]->request_count() == 2);
    CHECK(second[0]->concurrency() == 2);
    CHECK(second[1]->request_count() == 0);
    CHECK(registry.find("default/b") == nullptr);

    const std::map<std::string, CountSnapshot> counts = registry.snapshot();
    REQUIRE(counts.size() == 2);
    CHECK(counts.count("default/b") == 0);
    CHECK(counts.at("default/a").concurrency == 2);
    CHECK(counts.at("default/a").request_count == 2);

    // A request still running on the removed route leaves on its own (detached) counter.
    first[1]->leave();
    CHECK(first[1]->concurrency() == 0);

    const auto third = registry.sync({"default/a", "default/b", "default/c"});
    CHECK(third[1] != first[1]);
    CHECK(third[1]->request_count() == 0);
    CHECK(third[1]->concurrency() == 0);
  }
  SECTION("a key listed twice is one counter")
  {
    const auto counters = registry.sync({"default/a", "default/a"});
    REQUIRE(counters.size() == 2);
    CHECK(counters[0] == counters[1]);
    CHECK(registry.snapshot().size() == 1);
  }
  SECTION("syncing to nothing empties the registry")
  {
    registry.sync({"default/a"});
    CHECK(registry.sync({}).empty());
    CHECK(registry.snapshot().empty());
    CHECK(registry.find("default/a") == nullptr);
  }
}

TEST_CASE("queue::queue_json renders the /queue document exactly (4.1)", "[queue]")
{
  SECTION("the upstream example")
  {
    const std::map<std::string, CountSnapshot> counts = {
      {"demo/sample-app", {0, 0}},
      {"default/my-app", {3, 1542}},
    };
    CHECK(queue_json(counts)
          == "{\"default/my-app\":{\"Concurrency\":3,\"RequestCount\":1542},"
             "\"demo/sample-app\":{\"Concurrency\":0,\"RequestCount\":0}}\n");
  }
  SECTION("empty: an empty object and a newline")
  {
    CHECK(queue_json({}) == "{}\n");
  }
  SECTION("from a registry: sorted keys, idle routes listed with zeros")
  {
    CounterRegistry registry;
    const auto counters = registry.sync({"zeta/z", "alpha/a", "mid/m"});
    counters[2]->arrive();
    counters[2]->arrive();
    counters[2]->leave();
    CHECK(queue_json(registry.snapshot())
          == "{\"alpha/a\":{\"Concurrency\":0,\"RequestCount\":0},"
             "\"mid/m\":{\"Concurrency\":1,\"RequestCount\":2},"
             "\"zeta/z\":{\"Concurrency\":0,\"RequestCount\":0}}\n");
  }
  SECTION("large counts are written in full")
  {
    CHECK(queue_json({{"a/b", {0, 9007199254740993}}})
          == "{\"a/b\":{\"Concurrency\":0,\"RequestCount\":9007199254740993}}\n");
  }
}
