#pragma once

// The project's Expected type: tl::expected (Debian libexpected-dev) until std::expected (C++23).

#include <string>

#include <tl/expected.hpp>

namespace kedahttp::util {

template<typename T, typename E = std::string> using Expected = tl::expected<T, E>;
using Unexpected = tl::unexpected<std::string>;

} // namespace kedahttp::util
