#pragma once

// Everything `serve` knows about the cluster at one moment: the objects a
// source (a watched directory now, the Kubernetes API later) delivered and
// accepted. Immutable once published; a change publishes a new snapshot.

#include <kedahttp/spec/objects.hpp>

#include <memory>
#include <string>
#include <vector>

namespace kedahttp::spec {

// An object a source refused, and why ("file:line: reason").
struct Rejected {
  std::string object; // "InterceptorRoute shop/shop", or the file when no object could be read
  std::string where;  // "path/to/file.yaml:12"
  std::string reason;
};

struct ClusterState {
  std::vector<InterceptorRoute> interceptor_routes;
  std::vector<HTTPScaledObject> http_scaled_objects;
  std::vector<Service> services;
  std::vector<EndpointSlice> endpoint_slices;
  std::vector<ConfigMap> config_maps; // only those labelled http.keda.sh/response-body: "true"
  std::vector<Rejected> rejected;
  uint64_t generation = 0;            // increases with every published snapshot

  const Service* service(const std::string& ns, const std::string& name) const
  {
    for (const Service& svc : services) {
      if (svc.meta.ns == ns && svc.meta.name == name) {
        return &svc;
      }
    }
    return nullptr;
  }
};

using ClusterStatePtr = std::shared_ptr<const ClusterState>;

} // namespace kedahttp::spec
