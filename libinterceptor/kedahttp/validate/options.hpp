#pragma once

#include <kedahttp/validate/schema.hpp>

#include <string>

namespace kedahttp::validate {

// Settings of one validation run (spec/manifests.md 2.2 for the defaults).
struct Options {
  Channel gateway_channel = Channel::standard;
  bool allow_unknown_fields = false; // unknown fields become warnings
  std::string interceptor_service = "keda-add-ons-http-interceptor-proxy";
  std::string interceptor_namespace = "keda";
  int interceptor_port = 8080;
  int interceptor_tls_port = 8443;
  std::string cluster_domain = "cluster.local";
  std::string default_namespace = "default";
  bool require_interceptorroutes = false;

  // keda-add-ons-http-interceptor-proxy.keda.svc.cluster.local
  std::string interceptor_fqdn() const
  {
    return interceptor_service + "." + interceptor_namespace + ".svc." + cluster_domain;
  }
};

} // namespace kedahttp::validate
