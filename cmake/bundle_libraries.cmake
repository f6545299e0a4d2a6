# Install-time part of the wheel build (cmake/wheel.cmake): copies every shared library that
# ${covalesce_exe} loads, except the ones every manylinux system provides, into
# ${covalesce_libs_dir} under its soname (a real file: wheels hold no symlinks).
set(system_libraries
  "^linux-vdso\\.so" "^ld-linux" "^libc\\.so" "^libm\\.so" "^libpthread\\.so" "^libdl\\.so"
  "^librt\\.so" "^libstdc\\+\\+\\.so" "^libgcc_s\\.so")
file(GET_RUNTIME_DEPENDENCIES
  EXECUTABLES "${covalesce_exe}"
  RESOLVED_DEPENDENCIES_VAR libraries
  UNRESOLVED_DEPENDENCIES_VAR unresolved
  PRE_EXCLUDE_REGEXES ${system_libraries})
if(unresolved)
  message(FATAL_ERROR "covalesce needs libraries that were not found: ${unresolved}")
endif()

# oneTBB loads its scalable allocator with dlopen, from the directory libtbb was loaded from;
# without it TBB silently falls back to malloc, so bundle it to run as the main build does.
foreach(lib IN LISTS libraries)
  get_filename_component(name "${lib}" NAME)
  if(name MATCHES "^libtbb\\.so\\.")
    get_filename_component(dir "${lib}" DIRECTORY)
    if(NOT EXISTS "${dir}/libtbbmalloc.so.2")
      message(FATAL_ERROR "libtbbmalloc.so.2 is missing beside ${lib}")
    endif()
    list(APPEND libraries "${dir}/libtbbmalloc.so.2")
  endif()
endforeach()

file(MAKE_DIRECTORY "${covalesce_libs_dir}")
foreach(lib IN LISTS libraries)
  get_filename_component(name "${lib}" NAME)
  file(REAL_PATH "${lib}" file)
  message(STATUS "Bundling: ${covalesce_libs_dir}/${name} (from ${file})")
  file(COPY_FILE "${file}" "${covalesce_libs_dir}/${name}" ONLY_IF_DIFFERENT)
endforeach()
