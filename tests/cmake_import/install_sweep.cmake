# cmake -P script: configure sweep as a plain library and install it into PREFIX.
foreach(var SOURCE_DIR BUILD_DIR PREFIX GENERATOR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "install_sweep.cmake: -D${var}=... is required")
  endif()
endforeach()
# A fresh prefix each time, so a header deleted from include/ cannot linger.
file(REMOVE_RECURSE ${PREFIX} ${BUILD_DIR})
execute_process(
  COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${BUILD_DIR} -G ${GENERATOR}
          -DSWEEP_BUILD_TESTS=OFF -DSWEEP_BUILD_EXAMPLES=OFF -DSWEEP_BUILD_DRIVER=OFF
          -DSWEEP_BUILD_BENCHMARKS=OFF -DCMAKE_INSTALL_PREFIX=${PREFIX}
  COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} COMMAND_ERROR_IS_FATAL ANY)
