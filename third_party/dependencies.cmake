# How mirakuru finds its dependencies. System packages first (Debian: libgtest-dev libgmock-dev
# libcpp-httplib-dev libspdlog-dev nlohmann-json3-dev); a pinned FetchContent fallback only for
# systems that lack them, and only when MIRAKURU_FETCH_DEPS is on.
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
FetchContent_Declare(nlohmann_json URL
  https://github.com/nlohmann/json/releases/download/v3.11.2/json.tar.xz)
FetchContent_Declare(httplib GIT_REPOSITORY https://github.com/yhirose/cpp-httplib.git
                     GIT_TAG v0.11.4)
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
find_package(GTest QUIET)
if(NOT TARGET GTest::gtest)
  mirakuru_dependency(GTest GTest::gtest libgtest-dev libgmock-dev)
endif()
