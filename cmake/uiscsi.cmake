# Shared build settings and helpers for every uiscsi module.

add_library(uiscsi_warnings INTERFACE)
target_compile_options(uiscsi_warnings INTERFACE -Wall -Wextra -Wpedantic
  $<$<BOOL:${UISCSI_WERROR}>:-Werror>)
# GCC 12 at -O2 reports overflows and uninitialised reads inside libstdc++'s own
# vector::insert/copy and initializer_list code, and a new/delete mismatch in every
# Boost.Asio coroutine frame (which has its own operator new and delete), none of which can
# happen: known false positives of these flow-sensitive warnings that would fail only the
# optimised build. The sanitizer build checks the same code at run time.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(uiscsi_warnings INTERFACE -Wno-stringop-overflow -Wno-restrict
    -Wno-maybe-uninitialized -Wno-mismatched-new-delete)
endif()

if(UISCSI_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(UISCSI_FUZZ)
  # Every object gets coverage instrumentation; only fuzz targets link the fuzzer main.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# uiscsi_add_module(NAME [DEPS dep...]): a static library from every .cpp in the
# calling folder (detail/ included). Public headers sit beside the sources and are
# included as "NAME/header.h" from the project root.
function(uiscsi_add_module name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  add_library(uiscsi_${name} STATIC ${srcs})
  add_library(uiscsi::${name} ALIAS uiscsi_${name})
  target_include_directories(uiscsi_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(uiscsi_${name} PUBLIC ${ARG_DEPS} PRIVATE uiscsi_warnings)
endfunction()
