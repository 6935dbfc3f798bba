# How mirakuru finds its dependencies. System packages first (Debian: libgtest-dev libgmock-dev
# libcpp-httplib-dev libspdlog-dev nlohmann-json3-dev libre2-dev); a pinned FetchContent fallback only for
# systems that lack them, and only when MIRAKURU_FETCH_DEPS is on.
# CLI11 (Debian: libcli11-dev, header-only) is needed only for the `mirakuru` command: without it
# the library and the GoogleTest layer still build, the command does not (core/cli says so).
include(FetchContent)
find_package(Threads REQUIRED)

macro(mirakuru_dependency name target)
  find_package(${name} CONFIG QUIET)
  if(NOT TARGET ${target})
    if(NOT MIRAKURU_FETCH_DEPS)
      message(FATAL_ERROR "mirakuru: ${name} not found. Install it (Debian: ${ARGN}) "
                          "or configure with -DMIRAKURU_FETCH_DEPS=ON.")
    endif()
    message(STATUS "mirakuru: ${name} not found on the system, using the pinned FetchContent copy")
    set(CMAKE_POSITION_INDEPENDENT_CODE ON)  # a shared libmirakuru links fetched archives in
    FetchContent_MakeAvailable(${name})
  endif()
endmacro()

FetchContent_Declare(spdlog GIT_REPOSITORY https://github.com/gabime/spdlog.git GIT_TAG v1.10.0)
# An archive's files get the time they were extracted (CMake 3.24+), so a changed URL rebuilds.
if(POLICY CMP0135)
  cmake_policy(SET CMP0135 NEW)
endif()
FetchContent_Declare(nlohmann_json URL
  https://github.com/nlohmann/json/releases/download/v3.11.2/json.tar.xz)
FetchContent_Declare(httplib GIT_REPOSITORY https://github.com/yhirose/cpp-httplib.git
                     GIT_TAG v0.11.4)
FetchContent_Declare(re2 GIT_REPOSITORY https://github.com/google/re2.git GIT_TAG 2022-06-01)
FetchContent_Declare(GTest GIT_REPOSITORY https://github.com/google/googletest.git
                     GIT_TAG release-1.12.1)

mirakuru_dependency(spdlog spdlog::spdlog libspdlog-dev)
mirakuru_dependency(nlohmann_json nlohmann_json::nlohmann_json nlohmann-json3-dev)

# How libmirakuru links cpp-httplib (privately) and, for a static libmirakuru, the lines its
# package config runs so that the consumer's link step finds the libraries again.
set(MIRAKURU_STATIC_DEPENDENCIES "  find_dependency(spdlog)\n")
# Debian ships cpp-httplib as a compiled library described by pkg-config, not a CMake package;
# its Cflags (-DCPPHTTPLIB_OPENSSL_SUPPORT...) must reach every file that includes <httplib.h>.
find_package(httplib CONFIG QUIET)
if(TARGET httplib::httplib)
  set(MIRAKURU_HTTPLIB_LINK httplib::httplib)
  string(APPEND MIRAKURU_STATIC_DEPENDENCIES "  find_dependency(httplib CONFIG)\n")
else()
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(MIRAKURU_HTTPLIB QUIET IMPORTED_TARGET cpp-httplib)
  endif()
  if(TARGET PkgConfig::MIRAKURU_HTTPLIB)
    add_library(httplib::httplib ALIAS PkgConfig::MIRAKURU_HTTPLIB)
    set(MIRAKURU_HTTPLIB_LINK PkgConfig::MIRAKURU_HTTPLIB)
    string(APPEND MIRAKURU_STATIC_DEPENDENCIES "  find_dependency(PkgConfig)\n"
           "  pkg_check_modules(MIRAKURU_HTTPLIB REQUIRED QUIET IMPORTED_TARGET cpp-httplib)\n")
  else()
    mirakuru_dependency(httplib httplib::httplib libcpp-httplib-dev)
    # The pinned copy is header-only: nothing to link after the build.
    set(MIRAKURU_HTTPLIB_LINK $<BUILD_INTERFACE:httplib::httplib>)
  endif()
endif()
# RE2 (banners and every regex matched against service output): Debian ships it with pkg-config
# only; its own CMake package where a system has one. Linked privately, like cpp-httplib.
find_package(re2 CONFIG QUIET)
if(TARGET re2::re2)
  set(MIRAKURU_RE2_LINK re2::re2)
  string(APPEND MIRAKURU_STATIC_DEPENDENCIES "  find_dependency(re2 CONFIG)\n")
else()
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(MIRAKURU_RE2 QUIET IMPORTED_TARGET re2)
  endif()
  if(TARGET PkgConfig::MIRAKURU_RE2)
    add_library(re2::re2 ALIAS PkgConfig::MIRAKURU_RE2)
    set(MIRAKURU_RE2_LINK PkgConfig::MIRAKURU_RE2)
    string(APPEND MIRAKURU_STATIC_DEPENDENCIES "  find_dependency(PkgConfig)\n"
           "  pkg_check_modules(MIRAKURU_RE2 REQUIRED QUIET IMPORTED_TARGET re2)\n")
  else()
    set(RE2_BUILD_TESTING OFF CACHE BOOL "" FORCE)
    mirakuru_dependency(re2 re2::re2 libre2-dev)
    # The pinned copy is built here: a shared libmirakuru holds it; a static one is for this
    # build tree only (install the system's libre2 for a static package).
    set(MIRAKURU_RE2_LINK $<BUILD_INTERFACE:re2::re2>)
  endif()
endif()
find_package(GTest QUIET)
if(NOT TARGET GTest::gtest)
  mirakuru_dependency(GTest GTest::gtest libgtest-dev libgmock-dev)
endif()
if(NOT TARGET GTest::gmock)  # mirakuru::gtest's matchers (<mirakuru/gmock.hpp>)
  message(FATAL_ERROR "mirakuru: GoogleTest was found without GoogleMock (GTest::gmock). "
                      "Install it (Debian: libgmock-dev).")
endif()
find_package(CLI11 CONFIG QUIET)
