# Compiler flags of a libFuzzer build (included from the top CMakeLists.txt before any target, so
# that popcheck_core is instrumented too). clang-14 only: g++ has no libFuzzer.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "POPCHECK_FUZZ needs clang (CC=clang-14 CXX=clang++-14)")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                    -fno-sanitize-recover=undefined -gline-tables-only -O2
                    -fsanitize-coverage-ignorelist=${PROJECT_SOURCE_DIR}/fuzz/coverage_ignorelist.txt)
add_link_options(-fsanitize=address,undefined)

# libstdc++ 12's <expected> is empty unless __cpp_concepts >= 202002L, which clang-14 does not
# claim: it lacks conditionally trivial destructors (P0848). The build gets a copy of the header
# with the trivial `= default` destructors dropped and the other one unconstrained (always
# non-trivial, which changes no behaviour), placed before the system headers.
find_file(POPCHECK_SYSTEM_EXPECTED expected
          PATHS /usr/include/c++/${CMAKE_CXX_COMPILER_VERSION} /usr/include/c++/12 NO_DEFAULT_PATH)
if(POPCHECK_SYSTEM_EXPECTED)
  file(READ ${POPCHECK_SYSTEM_EXPECTED} popcheck_expected)
  string(REPLACE "#if __cplusplus > 202002L && __cpp_concepts >= 202002L" "#if __cplusplus > 202002L"
         popcheck_expected "${popcheck_expected}")
  string(REPLACE "      constexpr ~expected() = default;\n" "" popcheck_expected "${popcheck_expected}")
  string(REGEX REPLACE
         "constexpr ~expected\\(\\)[ \t\n]*requires \\(!is_trivially_destructible_v<_Tp>\\)[ \t\n]*\\|\\| \\(!is_trivially_destructible_v<_Er>\\)"
         "constexpr ~expected()" popcheck_expected "${popcheck_expected}")
  string(REPLACE "constexpr ~expected() requires (!is_trivially_destructible_v<_Er>)" "constexpr ~expected()"
         popcheck_expected "${popcheck_expected}")
  file(WRITE ${CMAKE_BINARY_DIR}/fuzz-compat/expected "${popcheck_expected}")
  include_directories(BEFORE SYSTEM ${CMAKE_BINARY_DIR}/fuzz-compat)
else()
  message(FATAL_ERROR "POPCHECK_FUZZ: libstdc++ 12's <expected> not found")
endif()
