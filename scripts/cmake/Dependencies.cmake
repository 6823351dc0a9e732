# Every dependency comes from a Debian 12 package (scripts/setup.sh installs them).
find_package(Threads REQUIRED)
find_package(CLI11 REQUIRED)
find_package(yaml-cpp REQUIRED)            # target `yaml-cpp` (no namespace in 0.7)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(spdlog REQUIRED)
if(KEDAHTTP_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
endif()
