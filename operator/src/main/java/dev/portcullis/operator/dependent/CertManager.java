package dev.portcullis.operator.dependent;

import io.fabric8.kubernetes.client.KubernetesClient;

/** Whether cert-manager's CRDs are installed (see {@link CrdPresence} for what is remembered). */
public final class CertManager {

  public static final String CERTIFICATES_CRD = "certificates.cert-manager.io";
  public static final String ISSUERS_CRD = "issuers.cert-manager.io";

  private static final CrdPresence CRDS = new CrdPresence(CERTIFICATES_CRD, ISSUERS_CRD);

  private CertManager() {}

  public static boolean installed(KubernetesClient client) {
    return CRDS.installed(client);
  }
}
