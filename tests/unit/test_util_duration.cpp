#include <kedahttp/util/duration.hpp>

#include <catch2/catch.hpp>

using kedahttp::util::format_go_duration;
using kedahttp::util::parse_go_duration;
using namespace std::chrono_literals;

TEST_CASE("util::parse_go_duration accepts what Go's time.ParseDuration accepts")
{
  CHECK(parse_go_duration("300ms").value() == 300ms);
  CHECK(parse_go_duration("1.5h").value() == 90min);
  CHECK(parse_go_duration("2h45m").value() == 165min);
  CHECK(parse_go_duration("0").value() == 0s);
  CHECK(parse_go_duration("0s").value() == 0s);
  CHECK(parse_go_duration("-1s").value() == -1s);
  CHECK(parse_go_duration("1us").value() == 1us);
  CHECK(parse_go_duration("1\xC2\xB5s").value() == 1us);
  CHECK(parse_go_duration(".5s").value() == 500ms);
  CHECK(parse_go_duration("1m30s").value() == 90s);
}

TEST_CASE("util::parse_go_duration rejects what Go rejects, with Go's message")
{
  CHECK(parse_go_duration("1d").error() == "time: unknown unit \"d\" in duration \"1d\"");
  CHECK(parse_go_duration("10").error() == "time: missing unit in duration \"10\"");
  CHECK(parse_go_duration("").error() == "time: invalid duration \"\"");
  CHECK(parse_go_duration("1 s").error() == "time: unknown unit \" s\" in duration \"1 s\"");
  CHECK(parse_go_duration("s").error() == "time: invalid duration \"s\"");
  CHECK_FALSE(parse_go_duration("99999999999h"));
}

TEST_CASE("util::format_go_duration prints like Duration.String()")
{
  CHECK(format_go_duration(0s) == "0s");
  CHECK(format_go_duration(500ms) == "500ms");
  CHECK(format_go_duration(90s) == "1m30s");
  CHECK(format_go_duration(1h) == "1h0m0s");
  CHECK(format_go_duration(1500ms) == "1.5s");
}
