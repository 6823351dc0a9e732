// Parked requests, their caps, and ready endpoints (spec/interceptor.md 3.5; DESIGN.md
// "Where we deliberately go beyond upstream": bounded hold, wake only the service that became
// ready). Virtual time only: every `now` is a value the test picks.

#include <kedahttp/hold/hold_queue.hpp>
#include <kedahttp/hold/ready_endpoints.hpp>

#include "testutil/cluster.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace kedahttp;
using namespace kedahttp::hold;
using testutil::at;

namespace {

using Tickets = std::vector<Ticket>;

// "address:port/name" per candidate, in order.
std::vector<std::string>
describe(const std::vector<const Candidate*>& candidates)
{
  std::vector<std::string> out;
  for (const Candidate* candidate : candidates) {
    out.push_back(candidate->address + ":" + std::to_string(candidate->port) + "/" + candidate->port_name);
  }
  return out;
}

std::vector<std::string>
describe_all(const ReadyEndpoints& ready, const std::string& key)
{
  std::vector<const Candidate*> pointers;
  if (const auto* all = ready.all(key)) {
    for (const Candidate& candidate : *all) {
      pointers.push_back(&candidate);
    }
  }
  return describe(pointers);
}

ReadyEndpoints
ready_of(const std::string& yaml)
{
  return ReadyEndpoints::build(testutil::full_state(yaml));
}

// An EndpointSlice of `service` in "default" with one ready endpoint per address and port "http" 8080.
std::string
slice(const std::string& name, const std::string& service, const std::vector<std::string>& addresses,
      const std::string& ready = "true")
{
  std::string yaml = "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: " + name
                     + "\n  labels: {kubernetes.io/service-name: " + service
                     + "}\naddressType: IPv4\nports: [{name: http, port: 8080}]\nendpoints:\n";
  for (const std::string& address : addresses) {
    yaml += "  - addresses: [" + address + "]\n    conditions: {ready: " + ready + "}\n";
  }
  return yaml;
}

} // namespace

// --- HoldQueue ---

TEST_CASE("hold::HoldQueue releases only that service's waiters, in arrival order", "[hold]")
{
  HoldQueue queue;
  queue.park(1, "default/a", core::k_never);
  queue.park(2, "default/b", at(10));
  queue.park(3, "default/a", at(5));
  queue.park(4, "shop/a", at(5));
  queue.park(5, "default/a", at(1));
  CHECK(queue.size() == 5);
  CHECK(queue.waiting_for("default/a") == 3);
  CHECK(queue.waiting_for("default/b") == 1);
  CHECK(queue.waiting_for("default/none") == 0);

  CHECK(queue.release("default/a") == Tickets{1, 3, 5});
  CHECK(queue.size() == 2);
  CHECK(queue.waiting_for("default/a") == 0);
  CHECK(queue.waiting_for("shop/a") == 1); // same name, other namespace: untouched
  CHECK(queue.release("default/a").empty());
  CHECK(queue.release("default/unknown").empty());

  // The released tickets' deadlines are gone: the earliest left is shop/a's.
  REQUIRE(queue.next_deadline());
  CHECK(*queue.next_deadline() == at(5));
  CHECK(queue.expire(at(5)) == Tickets{4});
  CHECK(queue.release("default/b") == Tickets{2});
  CHECK(queue.size() == 0);
  CHECK_FALSE(queue.next_deadline());
}

TEST_CASE("hold::HoldQueue expires at deadlines in virtual time", "[hold]")
{
  HoldQueue queue;
  queue.park(1, "default/a", at(5));
  queue.park(2, "default/a", at(3));
  queue.park(3, "default/b", at(3));
  queue.park(4, "default/a", core::k_never);
  REQUIRE(queue.next_deadline());
  CHECK(*queue.next_deadline() == at(3));

  SECTION("nothing before the first deadline; at it, the tickets due, earliest first and ties in arrival order")
  {
    CHECK(queue.expire(at(0)).empty());
    CHECK(queue.expire(at(2.999)).empty());
    CHECK(queue.expire(at(3)) == Tickets{2, 3});
    CHECK(queue.waiting_for("default/b") == 0);
    CHECK(queue.waiting_for("default/a") == 2);
    CHECK(*queue.next_deadline() == at(5));
    CHECK(queue.expire(at(3)).empty()); // not twice
    CHECK(queue.expire(at(100)) == Tickets{1});
  }
  SECTION("a late call expires everything due at once")
  {
    CHECK(queue.expire(at(60)) == Tickets{2, 3, 1});
  }
  SECTION("k_never: never expires, no deadline to wait for, released when ready")
  {
    queue.expire(at(60));
    CHECK(queue.size() == 1);
    CHECK_FALSE(queue.next_deadline());
    CHECK(queue.expire(core::k_never).empty());
    CHECK(queue.release("default/a") == Tickets{4});
  }
  SECTION("expired tickets are not released afterwards")
  {
    queue.expire(at(3));
    CHECK(queue.release("default/a") == Tickets{1, 4});
    CHECK(queue.release("default/b").empty());
  }
}

TEST_CASE("hold::HoldQueue cancel", "[hold]")
{
  HoldQueue queue;
  queue.park(1, "default/a", at(3));
  queue.park(2, "default/a", at(3));
  queue.park(3, "default/a", at(7));

  CHECK(queue.cancel(2));
  CHECK_FALSE(queue.cancel(2));
  CHECK_FALSE(queue.cancel(99));
  CHECK(queue.size() == 2);
  CHECK(queue.waiting_for("default/a") == 2);
  CHECK(queue.expire(at(3)) == Tickets{1}); // the other ticket with the same deadline is gone

  CHECK(queue.cancel(3));
  CHECK_FALSE(queue.next_deadline());
  CHECK(queue.expire(at(10)).empty());
  CHECK(queue.release("default/a").empty());
  CHECK(queue.size() == 0);
}

TEST_CASE("hold::HoldQueue parks a ticket only once", "[hold]")
{
  HoldQueue queue;
  queue.park(1, "default/a", at(3));
  queue.park(1, "default/b", at(1)); // a driver bug: ignored, the first parking stands
  CHECK(queue.size() == 1);
  CHECK(queue.waiting_for("default/b") == 0);
  CHECK(*queue.next_deadline() == at(3));
  CHECK(queue.release("default/a") == Tickets{1});
  CHECK(queue.expire(at(10)).empty());
}

// --- HoldBudget ---

TEST_CASE("hold::HoldBudget caps per route and in total, by count and bytes", "[hold]")
{
  using Verdict = HoldBudget::Verdict;
  HoldLimits limits;
  limits.route_requests = 2;
  limits.total_requests = 3;
  limits.route_bytes = 100;
  limits.total_bytes = 150;
  HoldBudget budget(limits);

  SECTION("by count")
  {
    CHECK(budget.acquire("default/a", 1) == Verdict::admitted);
    CHECK(budget.acquire("default/a", 1) == Verdict::admitted);
    CHECK(budget.acquire("default/a", 1) == Verdict::route_full);
    CHECK(budget.acquire("default/b", 1) == Verdict::admitted);
    CHECK(budget.acquire("default/c", 1) == Verdict::total_full);
    CHECK(budget.held() == 3);
    CHECK(budget.held_bytes() == 3);
    CHECK(budget.rejected() == 2);

    budget.release("default/a", 1);
    CHECK(budget.held() == 2);
    CHECK(budget.acquire("default/c", 1) == Verdict::admitted);
    CHECK(budget.acquire("default/a", 1) == Verdict::total_full);
    CHECK(budget.rejected() == 3); // never goes down
  }
  SECTION("by bytes: up to the cap is admitted, one byte over is not")
  {
    CHECK(budget.acquire("default/a", 100) == Verdict::admitted);
    CHECK(budget.acquire("default/a", 0) == Verdict::admitted); // count 2 <= 2, bytes 100 <= 100
    budget.release("default/a", 0);
    CHECK(budget.acquire("default/a", 1) == Verdict::route_full);
    CHECK(budget.acquire("default/b", 50) == Verdict::admitted);
    CHECK(budget.acquire("default/c", 1) == Verdict::total_full); // 151 > 150
    CHECK(budget.held_bytes() == 150);
    CHECK(budget.rejected() == 2);

    budget.release("default/a", 100);
    CHECK(budget.held() == 1);
    CHECK(budget.held_bytes() == 50);
    CHECK(budget.acquire("default/c", 100) == Verdict::admitted);
  }
  SECTION("one request bigger than the route cap is never admitted")
  {
    CHECK(budget.acquire("default/a", 101) == Verdict::route_full);
    CHECK(budget.held() == 0);
  }
  SECTION("the route check comes first")
  {
    CHECK(budget.acquire("default/a", 1) == Verdict::admitted);
    CHECK(budget.acquire("default/a", 1) == Verdict::admitted);
    CHECK(budget.acquire("default/b", 1) == Verdict::admitted);
    CHECK(budget.acquire("default/a", 1) == Verdict::route_full); // both full: route_full
  }
  SECTION("releasing more than was held does not underflow")
  {
    budget.release("default/a", 10);
    CHECK(budget.held() == 0);
    CHECK(budget.held_bytes() == 0);
    CHECK(budget.acquire("default/a", 100) == Verdict::admitted);
    budget.release("default/a", 500);
    CHECK(budget.held_bytes() == 0);
    CHECK(budget.acquire("default/a", 100) == Verdict::admitted);
  }
  SECTION("defaults")
  {
    const HoldBudget defaults;
    CHECK(defaults.limits().route_requests == 10000);
    CHECK(defaults.limits().total_requests == 20000);
    CHECK(defaults.limits().route_bytes == 64u << 20);
    CHECK(defaults.limits().total_bytes == 256u << 20);
  }
}

// --- ReadyEndpoints ---

TEST_CASE("hold::ReadyEndpoints which endpoints are ready (3.5)", "[hold]")
{
  const ReadyEndpoints ready = ready_of(R"(
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: app-1
  labels: {kubernetes.io/service-name: app}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints:
  - addresses: [10.0.0.1]                        # conditions absent: ready
  - addresses: [10.0.0.2]
    conditions: {}                                # ready nil: ready
  - addresses: [10.0.0.3]
    conditions: {ready: true}
  - addresses: [10.0.0.4]
    conditions: {ready: false, serving: true}    # not ready
  - addresses: []                                 # no address
    conditions: {ready: true}
  - addresses: [10.0.0.5, 10.0.0.6]               # first address only
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: down-1
  labels: {kubernetes.io/service-name: down}
ports: [{name: http, port: 8080}]
endpoints:
  - addresses: [10.0.1.1]
    conditions: {ready: false}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: orphan
ports: [{name: http, port: 8080}]
endpoints:
  - addresses: [10.0.2.1]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: app-1
  namespace: shop
  labels: {kubernetes.io/service-name: app}
ports: [{port: 9000}]
endpoints:
  - addresses: [10.0.3.1]
)");

  CHECK(ready.ready("default/app"));
  CHECK(describe_all(ready, "default/app")
        == std::vector<std::string>{"10.0.0.1:8080/http", "10.0.0.2:8080/http", "10.0.0.3:8080/http",
                                    "10.0.0.5:8080/http"});
  CHECK_FALSE(ready.ready("default/down")); // only not-ready endpoints
  CHECK(ready.all("default/down") == nullptr);
  CHECK_FALSE(ready.ready("default/orphan")); // no kubernetes.io/service-name label
  CHECK_FALSE(ready.ready("default/never-seen"));
  CHECK(ready.ready("shop/app")); // keyed by the slice's namespace
  CHECK(describe_all(ready, "shop/app") == std::vector<std::string>{"10.0.3.1:9000/"});
}

TEST_CASE("hold::ReadyEndpoints named ports and de-duplication", "[hold]")
{
  const ReadyEndpoints ready = ready_of(R"(
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: app-1
  labels: {kubernetes.io/service-name: app}
ports: [{name: http, port: 8080}, {name: metrics, port: 9090}]
endpoints:
  - addresses: [10.0.0.1]
  - addresses: [10.0.0.2]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: app-2
  labels: {kubernetes.io/service-name: app}
ports: [{name: http, port: 8080}, {name: bad, port: 0}]
endpoints:
  - addresses: [10.0.0.2]   # also in app-1: one candidate
  - addresses: [10.0.0.3]
)");

  CHECK(describe(ready.candidates("default/app", "http"))
        == std::vector<std::string>{"10.0.0.1:8080/http", "10.0.0.2:8080/http", "10.0.0.3:8080/http"});
  CHECK(describe(ready.candidates("default/app", "metrics"))
        == std::vector<std::string>{"10.0.0.1:9090/metrics", "10.0.0.2:9090/metrics"});
  CHECK(ready.candidates("default/app", "").empty());
  CHECK(ready.candidates("default/app", "bad").empty()); // port 0 is not a port
  CHECK(ready.candidates("default/other", "http").empty());
  CHECK(ready.all("default/app")->size() == 5);
}

TEST_CASE("hold::ReadyEndpoints::became_ready reports only services that flipped to ready", "[hold]")
{
  const ReadyEndpoints none = ready_of("");
  const ReadyEndpoints a = ready_of(slice("a-1", "a", {"10.0.0.1"}) + slice("b-1", "b", {"10.0.0.2"}, "false"));
  const ReadyEndpoints ab = ready_of(slice("a-1", "a", {"10.0.0.1", "10.0.0.9"}) + slice("b-1", "b", {"10.0.0.2"})
                                     + slice("c-1", "c", {"10.0.0.3"}));
  const ReadyEndpoints b = ready_of(slice("b-1", "b", {"10.0.0.2"}));

  CHECK(ReadyEndpoints::became_ready(none, a) == std::vector<std::string>{"default/a"});
  // a stays ready (even with a new address): not reported; b and c flipped, sorted.
  CHECK(ReadyEndpoints::became_ready(a, ab) == std::vector<std::string>{"default/b", "default/c"});
  CHECK(ReadyEndpoints::became_ready(ab, ab).empty());
  CHECK(ReadyEndpoints::became_ready(ab, b).empty()); // a and c went away: nobody to wake
  CHECK(ReadyEndpoints::became_ready(b, a) == std::vector<std::string>{"default/a"});
  CHECK(ReadyEndpoints::became_ready(a, none).empty());
}

TEST_CASE("hold::HoldQueue keeps arrival order when thousands of waiters leave")
{
  using kedahttp::hold::HoldQueue;
  using kedahttp::hold::Ticket;
  HoldQueue queue;
  for (Ticket t = 1; t <= 10000; ++t) {
    queue.park(t, "default/app", kedahttp::core::k_never);
  }
  // Every ticket but each 100th leaves (clients gone): cheap, and the survivors keep their order.
  for (Ticket t = 1; t <= 10000; ++t) {
    if (t % 100 != 0) {
      REQUIRE(queue.cancel(t));
    }
  }
  CHECK(queue.waiting_for("default/app") == 100);
  CHECK(queue.size() == 100);
  const auto first = queue.release("default/app", 3);
  CHECK(first == std::vector<Ticket>{100, 200, 300});
  const auto rest = queue.release("default/app");
  REQUIRE(rest.size() == 97);
  CHECK(rest.front() == 400);
  CHECK(rest.back() == 10000);
  CHECK(queue.waiting_for("default/app") == 0);
  CHECK(queue.size() == 0);
}
