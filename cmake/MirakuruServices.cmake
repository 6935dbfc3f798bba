# One set of services for many CTest tests: the keeper (`mirakuru up`) as a CTest fixture.
#
#   find_package(mirakuru CONFIG REQUIRED)        # or add_subdirectory(mirakuru-cpp)
#   mirakuru_add_services(db CONFIG services.json)
#   mirakuru_use_services(db TESTS api_test client_test)
#   # or, for every test gtest_discover_tests registers:
#   gtest_discover_tests(my_tests PROPERTIES FIXTURES_REQUIRED db
#                        ENVIRONMENT "MIRAKURU_ATTACH=${CMAKE_CURRENT_SOURCE_DIR}/services.json")
#
# mirakuru_add_services(NAME CONFIG FILE [STATE_DIR DIR])
#   Adds the tests NAME.up (`mirakuru up FILE`, FIXTURES_SETUP NAME) and NAME.down (`mirakuru
#   down FILE`, FIXTURES_CLEANUP NAME). CTest runs NAME.up before the first test that requires
#   the fixture and NAME.down after the last one (`ctest -R one_test` too). The keeper watches
#   ctest: if ctest dies, the services stop. A relative FILE is relative to the current source
#   directory. STATE_DIR: the keepers' state directory (default: $MIRAKURU_STATE_DIR, else
#   ${XDG_RUNTIME_DIR:-/tmp}/mirakuru-$UID); a relative one is relative to the current binary
#   directory.
#
# mirakuru_use_services(NAME TESTS test...)
#   Gives those tests FIXTURES_REQUIRED NAME and the environment MIRAKURU_ATTACH=FILE (and
#   MIRAKURU_STATE_DIR with STATE_DIR): a GoogleTest program's global ServiceEnvironment for
#   FILE (or mirakuru::gtest_main) then attaches to the keeper's services instead of starting
#   its own; any other program reads the endpoints with `mirakuru env FILE`.

function(mirakuru_add_services name)
  cmake_parse_arguments(ARG "" "CONFIG;STATE_DIR" "" ${ARGN})
  if(NOT ARG_CONFIG)
    message(FATAL_ERROR "mirakuru_add_services(${name}): CONFIG FILE is required")
  endif()
  if(NOT TARGET mirakuru::cli)
    message(FATAL_ERROR "mirakuru_add_services(${name}): the `mirakuru` command (mirakuru::cli) "
                        "was not built: it needs CLI11 (Debian: libcli11-dev)")
  endif()
  # Built from source (add_subdirectory, FetchContent): the command becomes part of `all`.
  get_target_property(command_target mirakuru::cli ALIASED_TARGET)
  if(command_target AND NOT TARGET mirakuru_services_command)
    add_custom_target(mirakuru_services_command ALL)
    add_dependencies(mirakuru_services_command ${command_target})
  endif()
  get_filename_component(config "${ARG_CONFIG}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  set(state_args "")
  set(environment "MIRAKURU_ATTACH=${config}")
  if(ARG_STATE_DIR)
    get_filename_component(state "${ARG_STATE_DIR}" ABSOLUTE BASE_DIR
                           "${CMAKE_CURRENT_BINARY_DIR}")
    set(state_args --state-dir "${state}")
    list(APPEND environment "MIRAKURU_STATE_DIR=${state}")
  endif()
  # The command itself, not a wrapper: its parent is ctest, which the keeper then watches.
  add_test(NAME ${name}.up COMMAND $<TARGET_FILE:mirakuru::cli> up "${config}" ${state_args})
  add_test(NAME ${name}.down COMMAND $<TARGET_FILE:mirakuru::cli> down "${config}" ${state_args})
  set_tests_properties(${name}.up PROPERTIES FIXTURES_SETUP ${name} TIMEOUT 600)
  set_tests_properties(${name}.down PROPERTIES FIXTURES_CLEANUP ${name} TIMEOUT 600)
  set_property(GLOBAL PROPERTY mirakuru_services_${name} "${environment}")
endfunction()

function(mirakuru_use_services name)
  cmake_parse_arguments(ARG "" "" "TESTS" ${ARGN})
  get_property(environment GLOBAL PROPERTY mirakuru_services_${name})
  if(NOT environment)
    message(FATAL_ERROR "mirakuru_use_services(${name}): no services named ${name}; call "
                        "mirakuru_add_services(${name} CONFIG FILE) first")
  endif()
  if(NOT ARG_TESTS)
    message(FATAL_ERROR "mirakuru_use_services(${name}): TESTS test... is required")
  endif()
  set_property(TEST ${ARG_TESTS} APPEND PROPERTY FIXTURES_REQUIRED ${name})
  set_property(TEST ${ARG_TESTS} APPEND PROPERTY ENVIRONMENT ${environment})
endfunction()
