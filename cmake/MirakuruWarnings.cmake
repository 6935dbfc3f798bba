# Warnings are errors in our own code only: consumers and third-party headers are left alone.
function(mirakuru_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic
                         $<$<BOOL:${MIRAKURU_TOP_LEVEL}>:-Werror>)
endfunction()
