# The gen-* generators write atomically (issue 14, common/atomic_file.h): a
# generator that fails or is killed midway leaves no file under the name
# asked for.
if(TARGET gridless)
  add_test(NAME generators_atomic
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/generators_atomic_test.sh
                   $<TARGET_FILE_DIR:gridless>)
  set_tests_properties(generators_atomic PROPERTIES LABELS "generators" TIMEOUT 300)
endif()
