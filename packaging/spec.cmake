# Writes the RPM spec from packaging/submitwatch.spec.in with the version of
# CMakeLists.txt's project(), where the version lives, and prints the version:
#
#   cmake [-DSPEC=out.spec] -P packaging/spec.cmake
#
# A script mode of its own so that packaging needs no configured build tree.
cmake_minimum_required(VERSION 3.20)
get_filename_component(SOURCE_DIR ${CMAKE_CURRENT_LIST_DIR}/.. ABSOLUTE)
file(STRINGS ${SOURCE_DIR}/CMakeLists.txt project_line
     REGEX "^project\\(submitwatch VERSION [^ )]+")
string(REGEX REPLACE "^project\\(submitwatch VERSION ([^ )]+).*" "\\1"
       PROJECT_VERSION "${project_line}")
if(NOT PROJECT_VERSION MATCHES "^[0-9]+\\.[0-9]+\\.[0-9]+$")
  message(FATAL_ERROR "no 'project(submitwatch VERSION x.y.z' line in "
                      "${SOURCE_DIR}/CMakeLists.txt")
endif()
if(DEFINED SPEC)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/submitwatch.spec.in ${SPEC} @ONLY)
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E echo ${PROJECT_VERSION})
