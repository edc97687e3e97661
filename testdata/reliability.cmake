# Reliability and security tests (issue 6), included from testdata/tests.cmake; label `reliability`.
#   fuzz-replay: config via the CLI   testdata/fuzz-regressions/config/* through parse, compile and
#                                     lint in every format: exit 0-2, well-formed output, no crash
#   secrets: check helper             scripts/lib/secrets_check.py finds every form of a test secret
#   probe-tls: verification           the probe verifies certificates by default; --insecure warns
#   probe-hostile: servers            the probe against hostile servers (scripts/lib/hostile_server.py):
#                                     fails with the reason, within its deadlines and 64 MiB
# (The libFuzzer regressions are replayed by fuzz/CMakeLists.txt, label `fuzz`.)
# Label `no-popcheck`: the test runs no popcheck code (a Python helper alone, or real nginx
# alone), so the sanitized run (CMakePresets.json, test preset `sanitize`) leaves it out.
add_test(NAME "fuzz-replay: config via the CLI"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/fuzz_cli_replay.py
                 --popcheck $<TARGET_FILE:popcheck> ${CMAKE_CURRENT_LIST_DIR}/fuzz-regressions/config)
set_tests_properties("fuzz-replay: config via the CLI" PROPERTIES LABELS "reliability;fuzz" TIMEOUT 300)
add_test(NAME "secrets: check helper"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/secrets_check_test.py)
set_tests_properties("secrets: check helper" PROPERTIES LABELS "reliability;no-popcheck" TIMEOUT 60)
add_test(NAME "probe-tls: verification"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/probe_tls_verify_test.py
                 --popcheck $<TARGET_FILE:popcheck>)
set_tests_properties("probe-tls: verification" PROPERTIES LABELS "reliability;probe" SKIP_RETURN_CODE 77
                     TIMEOUT 300)
# Fault injection on the proxy (label `faults`; scripts/proxy_faults_test.py, docs/reliability.md):
#   faults: proxy      1000 concurrent sessions, POP3, IMAP and SMTP, healthy and faulty, twice,
#                      through `popcheck proxy` on testdata/faults/nginx.conf: nginx's reply for
#                      every fault, correct bytes for every healthy session, descriptors and memory
#                      back to the baseline
#   faults: nginx      the same sessions through real nginx 1.22.1 (the expectations are nginx's)
add_test(NAME "faults: proxy"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/proxy_faults_test.py
                 --popcheck $<TARGET_FILE:popcheck>)
set_tests_properties("faults: proxy" PROPERTIES LABELS "reliability;faults;proxy" TIMEOUT 300
                     RUN_SERIAL TRUE)
add_test(NAME "faults: nginx"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/proxy_faults_test.py
                 --popcheck $<TARGET_FILE:popcheck> --target nginx --rounds 1)
set_tests_properties("faults: nginx" PROPERTIES LABELS "reliability;faults;nginx;no-popcheck" TIMEOUT 300
                     SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
add_test(NAME "probe-hostile: servers"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/probe_hostile_test.py
                 --popcheck $<TARGET_FILE:popcheck>)
set_tests_properties("probe-hostile: servers" PROPERTIES LABELS "reliability;probe" TIMEOUT 600)
