package dev.portcullis.operator.status;

import dev.portcullis.operator.model.Names;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;

/**
 * What the operator saw of a registry's objects after a reconcile (any may be null), plus the
 * errors of dependents that failed, and the pods of the registry and of its token issuer. The
 * status is a pure function of this and the spec.
 */
public record Observed(
    Deployment deployment,
    Certificate serverCertificate,
    Secret tlsSecret,
    PersistentVolumeClaim claim,
    Secret htpasswdSecret,
    List<String> errors,
    List<Pod> pods) {

  public Observed {
    pods = pods == null ? List.of() : pods;
  }

  /** With no pods seen. */
  public Observed(Deployment deployment, Certificate serverCertificate, Secret tlsSecret,
      PersistentVolumeClaim claim, Secret htpasswdSecret, List<String> errors) {
    this(deployment, serverCertificate, tlsSecret, claim, htpasswdSecret, errors, List.of());
  }

  /** Why pods do not run, the first pod's trouble with how many more there are; empty if none. */
  public java.util.Optional<PodTroubles.Trouble> podTrouble() {
    return PodTroubles.summary(PodTroubles.of(pods));
  }

  /** The same for the registry's own pods only (not its token issuer's). */
  public java.util.Optional<PodTroubles.Trouble> registryPodTrouble() {
    return PodTroubles.summary(PodTroubles.of(pods.stream().filter(p -> p.getMetadata() != null
        && p.getMetadata().getLabels() != null && Names.REGISTRY_NAME.equals(
            p.getMetadata().getLabels().get(Names.NAME_LABEL))).toList()));
  }
}
