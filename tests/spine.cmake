# The spine's multi-process tests (issue 2): real gridless-coordinator,
# gridless-worker and gridless processes from build/bin on loopback.
# spine_cluster_test: results against closed forms and in-process runs, bit
# for bit, with 1 and 3 workers and with a worker killed; failing and
# cancelled jobs.  spine_cli_test: the CLI's errors, exit codes and output.
gridless_add_test(spine_cluster_test
  SOURCES spine_cluster_test.cc spine_cluster.cc
  LIBS gridless_cli gridless_jobs)
gridless_add_test(spine_cli_test
  SOURCES spine_cli_test.cc spine_cluster.cc
  LIBS gridless_cli)
foreach(t spine_cluster_test spine_cli_test)
  # The binaries the tests start, found through this definition.
  target_compile_definitions(${t} PRIVATE
    GRIDLESS_BIN_DIR="$<TARGET_FILE_DIR:gridless-coordinator>"
    GRIDLESS_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  add_dependencies(${t} gridless gridless-coordinator gridless-worker)
endforeach()
