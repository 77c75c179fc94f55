# Auth and exposure end to end (issue 4 item 5, docs/SECURITY.md): tokens per
# role, the loopback rule, TLS and mutual TLS with the committed test
# certificates of tests/testdata/tls (regenerate with make.sh there), and the
# message size limit, with real gridless-coordinator, gridless-worker and
# gridless processes from build/bin on loopback.
gridless_add_test(auth_cluster_test
  SOURCES auth_cluster_test.cc spine_cluster.cc
  LIBS gridless_cli gridless_jobs)
target_compile_definitions(auth_cluster_test PRIVATE
  GRIDLESS_BIN_DIR="$<TARGET_FILE_DIR:gridless-coordinator>"
  GRIDLESS_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
add_dependencies(auth_cluster_test gridless gridless-coordinator gridless-worker)
