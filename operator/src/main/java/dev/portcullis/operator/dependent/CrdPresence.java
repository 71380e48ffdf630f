package dev.portcullis.operator.dependent;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Whether an optional add-on's CRDs are installed. A positive answer is remembered per client
 * (CRDs are not uninstalled under a running operator); a negative one is asked again on the next
 * reconcile, so installing the add-on heals registries without an operator restart.
 */
final class CrdPresence {

  private final List<String> crds;
  private final Map<KubernetesClient, Boolean> installed =
      Collections.synchronizedMap(new WeakHashMap<>());

  CrdPresence(String... crds) {
    this.crds = List.of(crds);
  }

  boolean installed(KubernetesClient client) {
    if (installed.containsKey(client)) {
      return true;
    }
    boolean present;
    try {
      var resources = client.resources(CustomResourceDefinition.class);
      present = crds.stream().allMatch(name -> resources.withName(name).get() != null);
    } catch (KubernetesClientException e) {
      // without RBAC to read CRDs, assume they are there: informer errors will say if not
      present = e.getCode() == 403;
    }
    if (present) {
      installed.put(client, true);
    }
    return present;
  }
}
