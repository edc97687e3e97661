# popcheck diff: golden outputs per case (testdata/diff/<case>/, scripts/diff_golden.py), and a
# diff of every pair of adjacent testdata/compile configurations (no crash, schema-valid JSON).
file(GLOB popcheck_diff_cases LIST_DIRECTORIES true CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/diff/*)
foreach(case_dir IN LISTS popcheck_diff_cases)
  if(NOT EXISTS ${case_dir}/old.conf)
    continue()
  endif()
  get_filename_component(case_name ${case_dir} NAME)
  add_test(NAME "diff-golden: ${case_name}"
           COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/diff_golden.py
                   --popcheck $<TARGET_FILE:popcheck> ${case_dir})
  set_tests_properties("diff-golden: ${case_name}" PROPERTIES LABELS "golden;diff" TIMEOUT 60)
endforeach()
add_test(NAME "diff: adjacent testdata configs"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/diff_golden.py --adjacent
                 --popcheck $<TARGET_FILE:popcheck>)
set_tests_properties("diff: adjacent testdata configs" PROPERTIES LABELS "diff" TIMEOUT 300)
