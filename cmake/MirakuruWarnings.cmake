# Warnings are errors in our own code only: consumers and third-party headers are left alone.
# -Wno-missing-field-initializers: GCC 12 warns on every designated initializer that leaves a
# field to its default member initializer — the very idiom Options and HttpCheck are built for.
function(mirakuru_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers
                         $<$<BOOL:${MIRAKURU_TOP_LEVEL}>:-Werror>)
endfunction()
