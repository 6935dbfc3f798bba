# Install rules and the CMake config package: find_package(mirakuru CONFIG REQUIRED) then
# link mirakuru::mirakuru, mirakuru::gtest or mirakuru::gtest_main.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(mirakuru_installed_targets mirakuru mirakuru_gtest mirakuru_gtest_main)
# Builds exactly what `cmake --install` installs (CI's plain Release build uses it).
add_custom_target(mirakuru_package)
add_dependencies(mirakuru_package ${mirakuru_installed_targets})

install(TARGETS ${mirakuru_installed_targets} EXPORT mirakuruTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET mirakuru_cli)  # the `mirakuru` command (needs CLI11)
  install(TARGETS mirakuru_cli EXPORT mirakuruTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  add_dependencies(mirakuru_package mirakuru_cli)
  # libmirakuru is shared: the installed command finds it next to itself, in any prefix.
  file(RELATIVE_PATH bin_to_lib ${CMAKE_INSTALL_FULL_BINDIR} ${CMAKE_INSTALL_FULL_LIBDIR})
  set_target_properties(mirakuru_cli PROPERTIES INSTALL_RPATH "$ORIGIN/${bin_to_lib}")
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/core/include/mirakuru
                  ${PROJECT_SOURCE_DIR}/gtest_integration/include/mirakuru
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT mirakuruTargets NAMESPACE mirakuru::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mirakuru)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/mirakuruConfig.cmake.in
  ${PROJECT_BINARY_DIR}/mirakuruConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mirakuru)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/mirakuruConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/mirakuruConfig.cmake
              ${PROJECT_BINARY_DIR}/mirakuruConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/MirakuruServices.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mirakuru)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/mirakuru)
