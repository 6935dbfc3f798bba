# Warnings for our own code only: consumers and third-party headers are left alone. They are
# errors only with MIRAKURU_WERROR (the presets and CI): a packager's plain build with another
# compiler or -O level must not fail on a new (or false) warning.
# -Wno-missing-field-initializers: GCC 12 warns on every designated initializer that leaves a
# field to its default member initializer — the very idiom Options and HttpCheck are built for.
# -Wno-maybe-uninitialized (GCC): GCC 12 at -O2 warns, falsely, on the shared_ptr inside a
# ReadyCheck when a braced list of ServiceDescriptions leaves "health" out (the same idiom, as
# the C++ service descriptions are written); seen only in the Release build.
function(mirakuru_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers
                         $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>
                         $<$<BOOL:${MIRAKURU_WERROR}>:-Werror>)
endfunction()
