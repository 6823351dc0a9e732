#pragma once

// Node tree -> spec value types. Decoding is tolerant: it reads what is there
// and leaves defaults elsewhere; `validate` reports what is wrong.

#include <kedahttp/manifest/loader.hpp>
#include <kedahttp/spec/objects.hpp>

#include <string>

namespace kedahttp::manifest {

// Objects without metadata.namespace get `default_namespace`, as kubectl would use.
spec::ObjectMeta decode_meta(const Object& object, const std::string& default_namespace);

spec::InterceptorRoute decode_interceptor_route(const Object& object, const std::string& default_namespace);
spec::HTTPScaledObject decode_http_scaled_object(const Object& object, const std::string& default_namespace);
spec::HTTPRoute decode_http_route(const Object& object, const std::string& default_namespace);
spec::ReferenceGrant decode_reference_grant(const Object& object, const std::string& default_namespace);
spec::Ingress decode_ingress(const Object& object, const std::string& default_namespace);
spec::Service decode_service(const Object& object, const std::string& default_namespace);
spec::EndpointSlice decode_endpoint_slice(const Object& object, const std::string& default_namespace);
spec::ConfigMap decode_config_map(const Object& object, const std::string& default_namespace);
spec::VirtualService decode_virtual_service(const Object& object, const std::string& default_namespace);
spec::ScaledObject decode_scaled_object(const Object& object, const std::string& default_namespace);

// "gateway.networking.k8s.io/v1" -> "gateway.networking.k8s.io"; "v1" -> "".
std::string api_group(const std::string& api_version);

} // namespace kedahttp::manifest
