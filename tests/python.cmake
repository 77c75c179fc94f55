# The Python client (python/gridless, issue 12) end to end with
# /usr/bin/python3 and Debian's python3-grpcio, python3-protobuf and
# python3-pandas; skipped (with a message) where they are missing.
if(TARGET gridless AND TARGET gridless-worker AND TARGET gridless-coordinator
   AND TARGET gridless_python_stubs)
  execute_process(COMMAND /usr/bin/python3 -c "import grpc, google.protobuf, pandas"
                  RESULT_VARIABLE GRIDLESS_PY_DEPS OUTPUT_QUIET ERROR_QUIET)
  if(GRIDLESS_PY_DEPS EQUAL 0)
    add_test(NAME python_client
             COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/python_client_test.sh
                     $<TARGET_FILE_DIR:gridless> ${CMAKE_SOURCE_DIR}/python
                     ${GRIDLESS_PYTHON_GEN})
    set_tests_properties(python_client PROPERTIES LABELS "python" TIMEOUT 300)
  else()
    message(WARNING "python3-grpcio, python3-protobuf or python3-pandas "
                    "missing: python_client is not run (scripts/install-deps.sh)")
  endif()
endif()
