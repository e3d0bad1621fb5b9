# Shared build settings and helpers for every uiscsi module.

add_library(uiscsi_warnings INTERFACE)
target_compile_options(uiscsi_warnings INTERFACE -Wall -Wextra -Wpedantic
  $<$<BOOL:${UISCSI_WERROR}>:-Werror>)

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
