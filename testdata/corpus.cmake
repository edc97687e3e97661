# The real-config corpus (testdata/corpus/, issues #14 and #16): for each case, popcheck lint's
# findings must equal the hand-judged table of its findings.md (a new finding fails until someone
# judges it), and popcheck compile must agree with the real nginx -t verdict recorded in
# nginx-t.txt (no live nginx needed). Included from tests.cmake, which defines POPCHECK_PYTHON.
file(GLOB corpus_cases LIST_DIRECTORIES true CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/corpus/*)
foreach(case_dir IN LISTS corpus_cases)
  if(NOT EXISTS ${case_dir}/nginx.conf)
    continue()
  endif()
  get_filename_component(case_name ${case_dir} NAME)
  add_test(NAME "lint-corpus: ${case_name}"
           COMMAND ${POPCHECK_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/corpus/judge.py
                   --popcheck $<TARGET_FILE:popcheck> --check ${case_dir})
  set_tests_properties("lint-corpus: ${case_name}" PROPERTIES LABELS golden TIMEOUT 60)
endforeach()
