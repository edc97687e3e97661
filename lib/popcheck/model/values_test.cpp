#include <doctest/doctest.h>
#include <popcheck/model/values.hpp>

using namespace popcheck::model;

// Every case was run through nginx -t 1.22.1 as `timeout V;` / `ssl_session_timeout V;` /
// `proxy_buffer V;` / `max_errors V;`.
TEST_CASE("model: parse_time accepts what nginx accepts (msec)") {
  CHECK(parse_time("1m30", false) == 90000);
  CHECK(parse_time("1d1h", false) == 90000000);
  CHECK(parse_time("5ms", false) == 5);
  CHECK(parse_time("1m  30s", false) == 90000);
  CHECK(parse_time(" 5", false) == 5000);
  CHECK(parse_time("5 ", false) == 5000);
  CHECK(parse_time("1s500ms", false) == 1500);
  CHECK(parse_time("1ms5", false) == 5001);
  CHECK(parse_time("106751991167d", false).has_value());
  CHECK_FALSE(parse_time("30s1m", false));
  CHECK_FALSE(parse_time("1y", false));
  CHECK_FALSE(parse_time("1M", false));
  CHECK_FALSE(parse_time("", false));
  CHECK_FALSE(parse_time("1m 30 s", false));
  CHECK_FALSE(parse_time("500ms1s", false));
  CHECK_FALSE(parse_time("-5", false));
  CHECK_FALSE(parse_time("2minutes", false));
  CHECK_FALSE(parse_time("9999999999999999", false));
  CHECK_FALSE(parse_time("99999999999999999999", false));
}

TEST_CASE("model: parse_time in seconds allows y and M, rejects ms") {
  CHECK(parse_time("1M", true) == 2592000);
  CHECK(parse_time("1y2M", true) == 31536000 + 2 * 2592000);
  CHECK(parse_time("5m", true) == 300);
  CHECK_FALSE(parse_time("5ms", true));
}

TEST_CASE("model: parse_size and parse_number") {
  CHECK(parse_size("1K") == 1024);
  CHECK(parse_size("16k") == 16384);
  CHECK(parse_size("2m") == 2 * 1024 * 1024);
  CHECK(parse_size("4096") == 4096);
  CHECK_FALSE(parse_size("1g"));
  CHECK_FALSE(parse_size(""));
  CHECK_FALSE(parse_size("k"));
  CHECK_FALSE(parse_size("4q"));
  CHECK(parse_number("0") == 0);
  CHECK_FALSE(parse_number("-1"));
  CHECK_FALSE(parse_number("+1"));
  CHECK_FALSE(parse_number(""));
  CHECK_FALSE(parse_number("99999999999999999999"));
  // The last digit decides at the edge of int64 (ngx_atoi's cutoff and cutlim).
  CHECK(parse_number("9223372036854775807") == 9223372036854775807);
  CHECK_FALSE(parse_number("9223372036854775808"));
  CHECK(parse_number("922337203685477580") == 922337203685477580);
  CHECK_FALSE(parse_number("92233720368547758070"));
}

TEST_CASE("model: flags and words are case-insensitive") {
  CHECK(parse_flag("ON") == true);
  CHECK(parse_flag("Off") == false);
  CHECK_FALSE(parse_flag("yes"));
  constexpr std::string_view words[] = {"plain", "cram-md5"};
  CHECK(find_word(words, "CRAM-MD5") == 1u);
  CHECK_FALSE(find_word(words, "cram-md"));
}
