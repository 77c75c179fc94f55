# Deployment tests (issue 6): the Kubernetes manifests' cross-references, a
# real one-node Slurm cluster running the workers, and a job across network
# namespaces with impaired and cut links.  The shell tests install what they
# need (slurm-wlm, munge, nftables) when run as root, and exit 77 with the
# reason printed when this machine cannot run them (SKIP_RETURN_CODE).
# They take the directory holding the three binaries as their argument.
set(GRIDLESS_DEPLOY_BIN_DIR ${CMAKE_RUNTIME_OUTPUT_DIRECTORY})
if(NOT GRIDLESS_DEPLOY_BIN_DIR)
  set(GRIDLESS_DEPLOY_BIN_DIR ${CMAKE_BINARY_DIR}/bin)
endif()

# The manifests' flags are checked against the binaries' real --help.
add_test(NAME deploy_k8s_manifests
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/deploy_k8s_check.py
                 --src ${CMAKE_SOURCE_DIR} --bin ${GRIDLESS_DEPLOY_BIN_DIR} --self-test)
set_tests_properties(deploy_k8s_manifests PROPERTIES
  LABELS "deploy;kubernetes" TIMEOUT 60 SKIP_RETURN_CODE 77)

add_test(NAME deploy_slurm
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/deploy_slurm_test.sh ${GRIDLESS_DEPLOY_BIN_DIR})
set_tests_properties(deploy_slurm PROPERTIES
  LABELS "deploy;slurm" TIMEOUT 420 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)

add_test(NAME deploy_netns
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/deploy_netns_test.sh ${GRIDLESS_DEPLOY_BIN_DIR})
set_tests_properties(deploy_netns PROPERTIES
  LABELS "deploy;netns" TIMEOUT 300 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
