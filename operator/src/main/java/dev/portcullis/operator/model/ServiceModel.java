package dev.portcullis.operator.model;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.ServiceSpec;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;

/** The Service clients reach the registry through; only the registry port, never debug. */
public final class ServiceModel {
  private ServiceModel() {}

  public static Service desired(SecureRegistry r) {
    ServiceSpec s = r.getSpec().effectiveService();
    var port = new ServicePortBuilder()
        .withName("registry")
        .withProtocol("TCP")
        .withPort(s.effectivePort())
        .withTargetPort(new IntOrString("registry"))
        .withNodePort(s.effectiveType() == ServiceSpec.Type.ClusterIP ? null : s.nodePort)
        .build();
    return new ServiceBuilder()
        .withMetadata(Meta.of(r, Names.service(r)))
        .withNewSpec()
          .withType(s.effectiveType().name())
          .withSelector(Names.selectorLabels(r))
          .withPorts(port)
        .endSpec()
        .build();
  }

  /**
   * host:port clients use: the external host of {@code expose} (443, no port), else the first user
   * host if any, else the Service's cluster DNS name.
   */
  public static String endpoint(SecureRegistry r) {
    if (r.getSpec().expose != null && r.getSpec().expose.host() != null) {
      return r.getSpec().expose.host();
    }
    var hosts = r.getSpec().effectiveHosts();
    String host = hosts.isEmpty()
        ? Names.service(r) + "." + r.getMetadata().getNamespace() + ".svc"
        : hosts.get(0);
    int port = r.getSpec().effectiveService().effectivePort();
    // clients write registry.example.com, not registry.example.com:443, and Docker keys its
    // credentials and image names by exactly what was written
    return port == 443 ? host : host + ":" + port;
  }
}
