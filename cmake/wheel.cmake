# Link and install rules of the Python wheel's build (COVALESCE_WHEEL=ON; pyproject.toml drives
# it through scikit-build-core). The wheel must run where none of the build's -dev packages are
# installed, and its `covalesce` command must be the binary itself, not a Python wrapper:
# - libraries Debian ships as static archives (SQLite, OpenSSL's libcrypto, PCRE2) are linked in;
# - the others (Highway, oneTBB, simdjson, fmt, toml++) go to the wheel's data tree, which pip
#   installs at <prefix>/lib/covalesce while the binary goes to <prefix>/bin in every scheme
#   (venv, --user, system), so an RPATH relative to the binary finds them.
# Only link options differ from the main build: its compiled objects are reused from ccache.

function(covalesce_link_static_archive target archive)
  find_library(path NAMES ${archive} REQUIRED NO_CACHE)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    set_property(TARGET ${target} PROPERTY INTERFACE_LINK_LIBRARIES ${path})
  else()
    set_property(TARGET ${target} PROPERTY IMPORTED_LOCATION ${path})
  endif()
endfunction()
covalesce_link_static_archive(SQLite::SQLite3 libsqlite3.a)
covalesce_link_static_archive(PkgConfig::PCRE2 libpcre2-8.a)
# libcrypto.a: OPENSSL_USE_STATIC_LIBS, set before find_package(OpenSSL).

# DT_RPATH rather than DT_RUNPATH: it also serves the bundled libraries' own dependencies
# (libhwy_contrib needs libhwy), and LD_LIBRARY_PATH cannot swap in other builds of them
# (auditwheel's repair sets DT_RPATH for the same reasons). The second entry is the same
# directory seen from inside the unpacked wheel (<name>.data/scripts -> <name>.data/data), so
# that `auditwheel show` judges the bundled libraries instead of the system's copies.
set_target_properties(covalesce PROPERTIES
  BUILD_WITH_INSTALL_RPATH TRUE
  INSTALL_RPATH "\$ORIGIN/../lib/covalesce;\$ORIGIN/../data/lib/covalesce")
target_link_options(covalesce PRIVATE -Wl,--disable-new-dtags)

# scikit-build-core names the wheel's trees; a plain `cmake --install --prefix P` of this
# build lays out P as pip would (P/bin/covalesce, P/lib/covalesce/).
if(DEFINED SKBUILD_SCRIPTS_DIR)
  set(scripts_dir ${SKBUILD_SCRIPTS_DIR})
  set(libs_dir ${SKBUILD_DATA_DIR}/lib/covalesce)
else()
  set(scripts_dir bin)
  set(libs_dir "\${CMAKE_INSTALL_PREFIX}/lib/covalesce")
endif()
install(TARGETS covalesce RUNTIME DESTINATION ${scripts_dir})
install(CODE "
  set(covalesce_exe \"$<TARGET_FILE:covalesce>\")
  set(covalesce_libs_dir \"${libs_dir}\")
  include(\"${CMAKE_CURRENT_LIST_DIR}/bundle_libraries.cmake\")")
