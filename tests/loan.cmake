# loan-mc across real processes (issue 3): bit-identical results with 1 and
# 3 workers, in-process, and with a worker killed mid-job.  The unit tests
# are jobs/loan/*_test.cc.
if(TARGET gridless AND TARGET gridless-worker AND TARGET gridless-coordinator)
  add_test(NAME loan_cli
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/loan_cli_test.sh
                   $<TARGET_FILE_DIR:gridless>)
  # COST: the longest test (80 s under ASan) starts first, so that ctest -j
  # runs the short ones beside it instead of after it.
  set_tests_properties(loan_cli PROPERTIES LABELS "loan" TIMEOUT 300 COST 1000)
endif()

# The run manifest and `gridless verify-manifest` (issue 13 item 4).
if(TARGET gridless)
  add_test(NAME loan_verify_manifest
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/verify_manifest_test.sh
                   $<TARGET_FILE_DIR:gridless>)
  set_tests_properties(loan_verify_manifest PROPERTIES LABELS "loan" TIMEOUT 120)
endif()
