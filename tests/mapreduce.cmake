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
  LIBS gridless_scheduler gridless_jobs)

# A wordcount and a sort job on real coordinator and worker processes whose
# workers are all SIGKILLed mid-map and mid-shuffle, with one map task's
# runs deleted: output byte-identical to an undisturbed run, nothing left
# behind (harness: tests/spine_cluster.{h,cc}).
gridless_add_test(mapreduce_chaos_test
  SOURCES mapreduce_chaos_test.cc spine_cluster.cc
  LIBS gridless_cli)
target_compile_definitions(mapreduce_chaos_test PRIVATE
  GRIDLESS_BIN_DIR="$<TARGET_FILE_DIR:gridless-coordinator>"
  GRIDLESS_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
add_dependencies(mapreduce_chaos_test gridless gridless-coordinator gridless-worker)

# exec is opt-in on a standing coordinator (--allow-exec, also across a
# journal restore), and an exec command sees neither the worker's
# GRIDLESS_TOKEN nor its token file (issue 11).
if(TARGET gridless AND TARGET gridless-worker AND TARGET gridless-coordinator)
  add_test(NAME exec_security
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/exec_security_test.sh
                   $<TARGET_FILE_DIR:gridless>)
  set_tests_properties(exec_security PROPERTIES LABELS "mapreduce" TIMEOUT 300)
endif()
