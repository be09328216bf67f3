# CMake toolchain for the linux_arm64 release: Debian's cross compiler (gcc-aarch64-linux-gnu, its
# glibc from libc6-dev-arm64-cross) and the arm64 -dev packages unpacked by sysroot.sh, passed as
# -DPHALA_SYSROOT=… (kmsapi/deps/deps.cmake takes the static archives and headers from there).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_AR aarch64-linux-gnu-ar CACHE FILEPATH "archiver")
set(CMAKE_RANLIB aarch64-linux-gnu-ranlib CACHE FILEPATH "ranlib")
set(CMAKE_STRIP aarch64-linux-gnu-strip CACHE FILEPATH "strip")
# Build tools (protoc-c) are the build machine's; nothing else may come from it.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
