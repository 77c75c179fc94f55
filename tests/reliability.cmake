# "Never lose a task" (issue 4): real gridless-coordinator, gridless-worker
# and gridless processes on loopback under injected faults.
# reliability_chaos_test: workers SIGKILLed every second, and the coordinator
# SIGKILLed and restarted on its journal, at seeded points; results
# bit-identical to undisturbed runs.  reliability_faults_test: poison tasks
# and dead letters (`gridless failures`, `gridless retry`), hung tasks and
# task_timeout_s, stragglers and speculative backups, cancellation.
# The shared harness is tests/spine_cluster.{h,cc}.
foreach(t reliability_chaos_test reliability_faults_test)
  gridless_add_test(${t}
    SOURCES ${t}.cc spine_cluster.cc
    LIBS gridless_cli)
  target_compile_definitions(${t} PRIVATE
    GRIDLESS_BIN_DIR="$<TARGET_FILE_DIR:gridless-coordinator>"
    GRIDLESS_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  add_dependencies(${t} gridless gridless-coordinator gridless-worker)
endforeach()
