# Every dependency comes from a Debian 12 package (scripts/setup.sh installs them).
find_package(Threads REQUIRED)
find_package(CLI11 REQUIRED)
find_package(yaml-cpp REQUIRED)            # target `yaml-cpp` (no namespace in 0.7)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(spdlog REQUIRED)
if(KEDAHTTP_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
endif()
find_package(Boost 1.74 REQUIRED)         # Boost::headers (Asio, Beast)
find_package(PkgConfig REQUIRED)
pkg_check_modules(CPPHTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib) # no CMake config in Debian 12
find_package(OpenSSL 3 REQUIRED)         # OpenSSL::SSL: the TLS listener and re-encryption to backends
pkg_check_modules(NGHTTP2 REQUIRED IMPORTED_TARGET libnghttp2) # HTTP/2 framing, HPACK, flow control
