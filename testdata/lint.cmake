# End-to-end tests of `popcheck lint` over testdata/lint/<set>/<case>/ (included from tests.cmake,
# which defines POPCHECK_PYTHON).
#   lint-diff: <set>/<case>    the real nginx -t, run live on the case, vs popcheck's findings
#                              (scripts/lint_diff_test.py); sets nginx, multi, rules; label `nginx`,
#                              skipped (exit 77) when nginx or its mail module is not installed.
#   lint-golden: <set>/<case>  popcheck lint's output vs the case's goldens, rule lines, schemas
#                              (scripts/lint_golden.py); sets rules, multi, formats, cli.
foreach(lint_set IN ITEMS nginx multi rules formats cli)
  file(GLOB lint_cases LIST_DIRECTORIES true CONFIGURE_DEPENDS
       ${CMAKE_CURRENT_LIST_DIR}/lint/${lint_set}/*)
  foreach(case_dir IN LISTS lint_cases)
    if(NOT EXISTS ${case_dir}/nginx.conf)
      continue()
    endif()
    get_filename_component(case_name ${case_dir} NAME)
    if(lint_set MATCHES "^(nginx|multi|rules)$")
      add_test(NAME "lint-diff: ${lint_set}/${case_name}"
               COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/lint_diff_test.py
                       --popcheck $<TARGET_FILE:popcheck> ${case_dir})
      set_tests_properties("lint-diff: ${lint_set}/${case_name}" PROPERTIES
                           LABELS nginx SKIP_RETURN_CODE 77 TIMEOUT 60)
    endif()
    if(NOT lint_set STREQUAL "nginx")
      add_test(NAME "lint-golden: ${lint_set}/${case_name}"
               COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/lint_golden.py
                       --popcheck $<TARGET_FILE:popcheck> ${case_dir})
      set_tests_properties("lint-golden: ${lint_set}/${case_name}" PROPERTIES LABELS golden TIMEOUT 60)
    endif()
  endforeach()
endforeach()
