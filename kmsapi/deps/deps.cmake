# deps.cmake — the libraries of a static build (PHALA_STATIC), under the names pkg_check_modules
# would give them (PkgConfig::CURL, …), so that every program of the project that links kmsapi —
# the provider, the simulator, the unit tests — links the same copy of each library: nothing
# mixes the from-source libcurl with the system one.
#
#   Debian's static archives: libssl.a/libcrypto.a, libnghttp2.a, libcares.a, libsodium.a,
#     libsecp256k1.a, libprotobuf-c.a (from the -dev packages; for a cross build from PHALA_SYSROOT,
#     the target architecture's -dev packages unpacked by provider/release/sysroot.sh).
#   Built from Debian's source packages at build time (Debian ships no usable archive): libcurl
#     (build-curl.sh) and cJSON (build-cjson.sh), into PHALA_DEPS_CACHE, keyed by target, version
#     and build script, so that a rebuild or another build tree sharing the cache reuses them.

set(PHALA_DEPS_CACHE ${CMAKE_BINARY_DIR}/deps CACHE PATH
    "Debian downloads and from-source libraries; may be shared by several build trees")
set(PHALA_SYSROOT "" CACHE PATH "Target architecture's -dev packages, unpacked (cross builds)")

# Debian's multiarch triplet of the target (x86_64-linux-gnu, aarch64-linux-gnu): the directory of
# its libraries, and the --host of the from-source builds. (clang's -dumpmachine says
# x86_64-pc-linux-gnu; CMake finds the multiarch name from the compiler's search paths.)
if(CMAKE_LIBRARY_ARCHITECTURE)
  set(PHALA_TRIPLET ${CMAKE_LIBRARY_ARCHITECTURE})
else()
  execute_process(COMMAND ${CMAKE_C_COMPILER} -dumpmachine OUTPUT_VARIABLE PHALA_TRIPLET
                  OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
endif()
set(phala_libdir ${PHALA_SYSROOT}/usr/lib/${PHALA_TRIPLET})
set(phala_incdirs)
if(PHALA_SYSROOT)
  set(phala_incdirs ${PHALA_SYSROOT}/usr/include/${PHALA_TRIPLET} ${PHALA_SYSROOT}/usr/include)
endif()

# phala_archive(TARGET PATH DEP…) — an imported static library, so that CMake orders it before
# its dependencies on every link line (a bare file path carries no order).
function(phala_archive target path)
  add_library(${target} STATIC IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES IMPORTED_LOCATION ${path}
                                             INTERFACE_LINK_LIBRARIES "${ARGN}")
endfunction()

# phala_debian_static(NAME ARCHIVE… [DEPS dep…]) — PkgConfig::NAME = the archives, in link order
# (each depends on the ones after it).
function(phala_debian_static name)
  cmake_parse_arguments(arg "" "" "DEPS" ${ARGN})
  set(next ${arg_DEPS})
  list(REVERSE arg_UNPARSED_ARGUMENTS)
  foreach(a ${arg_UNPARSED_ARGUMENTS})
    if(NOT EXISTS ${phala_libdir}/${a})
      message(FATAL_ERROR "${phala_libdir}/${a} is missing: `make deps` installs Debian's -dev "
                          "packages (a cross build: provider/release/sysroot.sh)")
    endif()
    string(REGEX REPLACE "^lib(.*)[.]a$" "\\1" base ${a})
    phala_archive(phala_archive_${base} ${phala_libdir}/${a} ${next})
    set(next phala_archive_${base})
  endforeach()
  string(TOLOWER ${name} lower)
  add_library(phala_dep_${lower} INTERFACE)
  target_link_libraries(phala_dep_${lower} INTERFACE ${next})
  if(phala_incdirs)
    target_include_directories(phala_dep_${lower} SYSTEM INTERFACE ${phala_incdirs})
  endif()
  add_library(PkgConfig::${name} ALIAS phala_dep_${lower})
endfunction()

# Link dependencies as `pkg-config --static` lists them on Debian 12.
phala_debian_static(OPENSSL libssl.a libcrypto.a DEPS ${CMAKE_DL_LIBS} Threads::Threads)
phala_debian_static(NGHTTP2 libnghttp2.a)
phala_debian_static(CARES libcares.a)
phala_debian_static(SODIUM libsodium.a DEPS Threads::Threads)
phala_debian_static(SECP256K1 libsecp256k1.a)
phala_debian_static(PROTOBUFC libprotobuf-c.a)

# phala_from_source(NAME ARCHIVE SCRIPT [DEPS dep…]) — PkgConfig::NAME = ARCHIVE built by SCRIPT.
function(phala_from_source name archive script)
  cmake_parse_arguments(arg "" "" "DEPS;PATCHES" ${ARGN})
  # Keyed by the build script, its patches and the compiler: a changed recipe or compiler builds
  # anew, build trees that agree on all of them share one build.
  file(READ ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/${script} recipe)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
               ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/${script})
  foreach(patch ${arg_PATCHES})
    file(READ ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/${patch} text)
    string(APPEND recipe "${text}")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
                 ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/${patch})
  endforeach()
  string(SHA256 key "${recipe}${CMAKE_C_COMPILER_ID}${CMAKE_C_COMPILER_VERSION}${CMAKE_C_COMPILER}")
  string(SUBSTRING ${key} 0 12 key)
  string(TOLOWER ${name} lower)
  set(prefix ${PHALA_DEPS_CACHE}/${PHALA_TRIPLET}/${lower}-${key})
  add_custom_command(
    OUTPUT ${prefix}/lib/${archive}
    COMMAND ${CMAKE_COMMAND} -E env CC=${CMAKE_C_COMPILER} AR=${CMAKE_AR}
            DEPS_HOST=${PHALA_TRIPLET} DEPS_CACHE=${PHALA_DEPS_CACHE} DEPS_SYSROOT=${PHALA_SYSROOT}
            bash ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/${script} ${prefix}
    COMMENT "${name} from Debian's source package (${PHALA_TRIPLET})"
    VERBATIM)
  add_custom_target(phala_build_${lower} DEPENDS ${prefix}/lib/${archive})
  add_library(phala_dep_${lower} INTERFACE)
  add_dependencies(phala_dep_${lower} phala_build_${lower})
  file(MAKE_DIRECTORY ${prefix}/include)
  target_include_directories(phala_dep_${lower} SYSTEM INTERFACE ${prefix}/include)
  phala_archive(phala_archive_${lower} ${prefix}/lib/${archive} ${arg_DEPS})
  target_link_libraries(phala_dep_${lower} INTERFACE phala_archive_${lower})
  add_library(PkgConfig::${name} ALIAS phala_dep_${lower})
endfunction()

phala_from_source(CURL libcurl.a build-curl.sh PATCHES curl-lazy-resolver.patch
                  DEPS PkgConfig::NGHTTP2 PkgConfig::OPENSSL PkgConfig::CARES)
phala_from_source(CJSON libcjson.a build-cjson.sh)
