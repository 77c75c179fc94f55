# /metrics of a live coordinator and worker pass `promtool check metrics`
# (issue 12).  Skipped (with a message) where promtool is not installed.
find_program(PROMTOOL promtool)
if(TARGET gridless AND TARGET gridless-worker AND TARGET gridless-coordinator)
  if(PROMTOOL)
    add_test(NAME metrics_promtool
             COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/metrics_promtool_test.sh
                     $<TARGET_FILE_DIR:gridless> ${PROMTOOL})
    set_tests_properties(metrics_promtool PROPERTIES LABELS "metrics" TIMEOUT 300)
  else()
    message(WARNING "promtool not found (Debian package prometheus): "
                    "metrics_promtool is not run; scripts/install-deps.sh installs it")
  endif()
endif()
