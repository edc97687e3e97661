#include <doctest/doctest.h>
#include <popcheck/conf/severity.hpp>
#include <string_view>

using namespace popcheck;

TEST_CASE("by_severity picks the value of each severity") {
  CHECK(std::string_view(by_severity(Severity::error, "e", "w", "i")) == "e");
  CHECK(std::string_view(by_severity(Severity::warning, "e", "w", "i")) == "w");
  CHECK(std::string_view(by_severity(Severity::info, "e", "w", "i")) == "i");
  static_assert(by_severity(Severity::warning, 3, 2, 1) == 2);
  CHECK(std::string_view(to_string(Severity::info)) == "info");
}

TEST_CASE("by_severity with references picks the counter to change") {
  int errors = 0;
  int warnings = 0;
  int infos = 0;
  ++by_severity<int&>(Severity::warning, errors, warnings, infos);
  ++by_severity<int&>(Severity::info, errors, warnings, infos);
  ++by_severity<int&>(Severity::info, errors, warnings, infos);
  CHECK(errors == 0);
  CHECK(warnings == 1);
  CHECK(infos == 2);
}
