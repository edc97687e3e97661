# End-to-end tests over testdata/compile/<case>/ (included from the top CMakeLists.txt).
#   golden: compile/<case>      popcheck parse/compile output vs the case's goldens (scripts/golden.py)
#   nginx-wire: compile/<case>  real nginx's POP3/IMAP/SMTP replies vs compile's "wire" bytes, for cases with a
#                               `wire` marker file (scripts/nginx_wire_test.py); label `nginx`, skipped
#                               (exit 77) when nginx or its mail module is not installed.
#   nginx-backend: compile/<case>  for the imap-*/smtp-* wire cases: the auth_http header names and
#                               the SMTP backend login lines real nginx sends vs compile's
#                               (scripts/nginx_backend_login_test.py, a recording auth_http stub and
#                               backend); label `nginx`.
# Debian's python3 carries python3-jsonschema, which golden.py needs.
find_program(POPCHECK_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT POPCHECK_PYTHON)
  find_program(POPCHECK_PYTHON NAMES python3 REQUIRED)
endif()

file(GLOB popcheck_compile_cases LIST_DIRECTORIES true CONFIGURE_DEPENDS
     ${CMAKE_CURRENT_LIST_DIR}/compile/*)
foreach(case_dir IN LISTS popcheck_compile_cases)
  if(NOT EXISTS ${case_dir}/nginx.conf)
    continue()
  endif()
  get_filename_component(case_name ${case_dir} NAME)
  add_test(NAME "golden: compile/${case_name}"
           COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/golden.py
                   --popcheck $<TARGET_FILE:popcheck> ${case_dir})
  set_tests_properties("golden: compile/${case_name}" PROPERTIES LABELS golden TIMEOUT 60)
  if(EXISTS ${case_dir}/wire)
    add_test(NAME "nginx-wire: compile/${case_name}"
             COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/nginx_wire_test.py
                     --popcheck $<TARGET_FILE:popcheck> ${case_dir})
    set_tests_properties("nginx-wire: compile/${case_name}" PROPERTIES
                         LABELS nginx SKIP_RETURN_CODE 77 TIMEOUT 120)
  endif()
  if(EXISTS ${case_dir}/wire AND case_name MATCHES "^(imap|smtp)-")
    add_test(NAME "nginx-backend: compile/${case_name}"
             COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/nginx_backend_login_test.py
                     --popcheck $<TARGET_FILE:popcheck> ${case_dir})
    set_tests_properties("nginx-backend: compile/${case_name}" PROPERTIES
                         LABELS nginx SKIP_RETURN_CODE 77 TIMEOUT 120)
  endif()
endforeach()

# The proxy's integration and differential tests (testdata/proxy/, label `proxy`).
include(${CMAKE_CURRENT_LIST_DIR}/proxy/tests.cmake OPTIONAL)
include(${CMAKE_CURRENT_LIST_DIR}/probe.cmake OPTIONAL)
# popcheck lint: differential tests vs live nginx -t and golden outputs (testdata/lint/).
include(${CMAKE_CURRENT_LIST_DIR}/lint.cmake OPTIONAL)
# The real-config corpus: hand-judged findings and the recorded nginx -t verdicts (testdata/corpus/).
include(${CMAKE_CURRENT_LIST_DIR}/corpus.cmake OPTIONAL)
# popcheck diff: goldens per behaviour change, and every adjacent pair of compile cases.
include(${CMAKE_CURRENT_LIST_DIR}/diff.cmake OPTIONAL)
include(${CMAKE_CURRENT_LIST_DIR}/ship.cmake OPTIONAL)
include(${CMAKE_CURRENT_LIST_DIR}/reliability.cmake OPTIONAL)
