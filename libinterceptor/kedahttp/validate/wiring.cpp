#include <kedahttp/validate/wiring.hpp>

namespace kedahttp::validate {

void
check_wiring(const std::vector<const manifest::Object*>&, const Options&, std::vector<core::Diagnostic>&)
{
}

} // namespace kedahttp::validate
