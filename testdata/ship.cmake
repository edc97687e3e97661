# Shipping tests (included from testdata/tests.cmake), label `ship`:
#   ship: cli docs       the man page and the bash/zsh completions name every verb and option of
#                        `popcheck --help` (scripts/cli_docs_test.py)
#   ship: deb install    CPack's .deb of this build installed with apt-get, popcheck used from
#                        /usr/bin, man and completions found; removed again (root only, else 77)
#   ship: lint cli       progress line only on a TTY; .popcheck.json found upwards, CLI > file
#   ship: ci recipes     every popcheck command of docs/ci.md run on testdata/ship/ci-repo, outputs
#                        validated (SARIF, Code Quality, JUnit), YAML parsed, docs/ci/ embedded
#   ship: etc-nginx      lint on a copy of the real /etc/nginx with a mail block: top-level include
#                        clean, conf.d/ placement = real nginx -t's error (label nginx; 77 w/o root)
#   ship: bench stats    scripts/lib/bench_stats.py, the statistics scripts/bench-proxy prints:
#                        the median's confidence interval vs the published table, pooled ratios
set(popcheck_man_arg)
if(TARGET popcheck_man)
  set(popcheck_man_arg --man ${PROJECT_BINARY_DIR}/popcheck.1.gz)
endif()
add_test(NAME "ship: cli docs"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/cli_docs_test.py
                 --popcheck $<TARGET_FILE:popcheck> ${popcheck_man_arg})
set_tests_properties("ship: cli docs" PROPERTIES LABELS ship TIMEOUT 60)
add_test(NAME "ship: deb install"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/deb_install_test.py
                 --build-dir ${PROJECT_BINARY_DIR})
set_tests_properties("ship: deb install" PROPERTIES LABELS ship SKIP_RETURN_CODE 77 TIMEOUT 600
                     RUN_SERIAL ON)
add_test(NAME "ship: lint cli"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/lint_cli_test.py
                 --popcheck $<TARGET_FILE:popcheck>)
set_tests_properties("ship: lint cli" PROPERTIES LABELS ship TIMEOUT 120)
add_test(NAME "ship: etc-nginx"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/debian_etc_nginx_test.py
                 --popcheck $<TARGET_FILE:popcheck>)
set_tests_properties("ship: etc-nginx" PROPERTIES LABELS "ship;nginx" SKIP_RETURN_CODE 77
                     TIMEOUT 120)
add_test(NAME "ship: ci recipes"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/ci_recipes_test.py
                 --popcheck $<TARGET_FILE:popcheck>)
set_tests_properties("ship: ci recipes" PROPERTIES LABELS ship TIMEOUT 300)
add_test(NAME "ship: bench stats"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/bench_stats_test.py)
set_tests_properties("ship: bench stats" PROPERTIES LABELS "ship;no-popcheck" TIMEOUT 60)
