# Reliability and security tests (issue 6), included from testdata/tests.cmake; label `reliability`.
#   fuzz-replay: config via the CLI   testdata/fuzz-regressions/config/* through parse, compile and
#                                     lint in every format: exit 0-2, well-formed output, no crash
#   secrets: check helper             scripts/lib/secrets_check.py finds every form of a test secret
#   probe-tls: verification           the probe verifies certificates by default; --insecure warns
# (The libFuzzer regressions are replayed by fuzz/CMakeLists.txt, label `fuzz`.)
add_test(NAME "fuzz-replay: config via the CLI"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/fuzz_cli_replay.py
                 --popcheck $<TARGET_FILE:popcheck> ${CMAKE_CURRENT_LIST_DIR}/fuzz-regressions/config)
set_tests_properties("fuzz-replay: config via the CLI" PROPERTIES LABELS "reliability;fuzz" TIMEOUT 300)
add_test(NAME "secrets: check helper"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/secrets_check_test.py)
set_tests_properties("secrets: check helper" PROPERTIES LABELS reliability TIMEOUT 60)
add_test(NAME "probe-tls: verification"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/probe_tls_verify_test.py
                 --popcheck $<TARGET_FILE:popcheck>)
set_tests_properties("probe-tls: verification" PROPERTIES LABELS "reliability;probe" SKIP_RETURN_CODE 77
                     TIMEOUT 300)
