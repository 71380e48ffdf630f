package dev.portcullis.operator.dependent;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Whether cert-manager's CRDs are installed. A positive answer is remembered per client (CRDs are
 * not uninstalled under a running operator); a negative one is asked again on the next reconcile,
 * so installing cert-manager heals registries without an operator restart.
 */
public final class CertManager {

  public static final String CERTIFICATES_CRD = "certificates.cert-manager.io";
  public static final String ISSUERS_CRD = "issuers.cert-manager.io";

  private static final Map<KubernetesClient, Boolean> INSTALLED =
      Collections.synchronizedMap(new WeakHashMap<>());

  private CertManager() {}

  public static boolean installed(KubernetesClient client) {
    if (INSTALLED.containsKey(client)) {
      return true;
    }
    boolean present;
    try {
      var crds = client.resources(CustomResourceDefinition.class);
      present = crds.withName(CERTIFICATES_CRD).get() != null
          && crds.withName(ISSUERS_CRD).get() != null;
    } catch (KubernetesClientException e) {
      // without RBAC to read CRDs, assume cert-manager is there: informer errors will say if not
      present = e.getCode() == 403;
    }
    if (present) {
      INSTALLED.put(client, true);
    }
    return present;
  }
}
