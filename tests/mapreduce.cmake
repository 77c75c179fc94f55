# Map-reduce and exec end to end through `gridless run` with worker
# processes (issue 5): sort vs LC_ALL=C sort and validate-sort, wordcount vs
# tr | sort | uniq -c, groupby vs awk, exec retry / dead-letter / timeout /
# missing command.  The unit tests are jobs/mapreduce/*_test.cc.
if(TARGET gridless AND TARGET gridless-worker)
  add_test(NAME mapreduce_cli
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/mapreduce_cli_test.sh
                   $<TARGET_FILE_DIR:gridless>)
  set_tests_properties(mapreduce_cli PROPERTIES LABELS "mapreduce" TIMEOUT 300)
endif()

# Lost intermediate data recovered through the scheduler (deleted or corrupt
# shuffle runs rerun only their map tasks).
gridless_add_test(mapreduce_recovery_test
  SOURCES mapreduce_recovery_test.cc
  LIBS gridless_coordinator)
