# Two INTERFACE targets that only first-party targets link (PRIVATE):
#   kedahttp_warnings - the warning set (and -Werror in dev mode)
#   kedahttp_settings - sanitizers and debug-mode library assertions
add_library(kedahttp_warnings INTERFACE)
target_compile_options(kedahttp_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough
  # GCC 12 reports false -Wrestrict positives inside std::string (GCC bug 105329).
  -Wno-restrict)
if(KEDAHTTP_DEV_MODE)
  target_compile_options(kedahttp_warnings INTERFACE -Werror)
endif()

add_library(kedahttp_settings INTERFACE)
target_compile_definitions(kedahttp_settings INTERFACE $<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>)
if(KEDAHTTP_SANITIZE)
  target_compile_options(kedahttp_settings INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(kedahttp_settings INTERFACE -fsanitize=address,undefined)
endif()
