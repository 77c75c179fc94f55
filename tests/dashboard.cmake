# The dashboard (issue 12): its JSON API, pages and `gridless report` against
# a real coordinator and workers, and the pages in headless Chromium (skipped,
# loudly, with exit code 77 only where no Chromium is installed).
if(TARGET gridless AND TARGET gridless-worker AND TARGET gridless-coordinator)
  add_test(NAME dashboard_api
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/dashboard_api_test.py
                   $<TARGET_FILE_DIR:gridless>)
  set_tests_properties(dashboard_api PROPERTIES LABELS "dashboard" TIMEOUT 300)
  add_test(NAME dashboard_browser
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/dashboard_browser_test.py
                   $<TARGET_FILE_DIR:gridless> ${CMAKE_BINARY_DIR}/dashboard-screenshots)
  set_tests_properties(dashboard_browser PROPERTIES LABELS "dashboard"
                       TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()
