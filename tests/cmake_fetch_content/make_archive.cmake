# cmake -P script: archive what a library user needs from the checkout (no
# tests, tools, build folders), and drop the consumer's old build folder,
# because FetchContent would keep the previous extraction of the same URL.
foreach(var SOURCE_DIR ARCHIVE CONSUMER_BUILD_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "make_archive.cmake: -D${var}=... is required")
  endif()
endforeach()
set(entries CMakeLists.txt cmake include single_include)
foreach(optional README.md LICENSE LICENSE.txt)
  if(EXISTS ${SOURCE_DIR}/${optional})
    list(APPEND entries ${optional})
  endif()
endforeach()
file(REMOVE_RECURSE ${CONSUMER_BUILD_DIR})
file(REMOVE ${ARCHIVE})
execute_process(COMMAND ${CMAKE_COMMAND} -E tar czf ${ARCHIVE} -- ${entries}
                WORKING_DIRECTORY ${SOURCE_DIR} COMMAND_ERROR_IS_FATAL ANY)
