package dev.portcullis.operator.status;

import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;

/**
 * What the operator saw of a registry's objects after a reconcile (any may be null), plus the
 * errors of dependents that failed. The status is a pure function of this and the spec.
 */
public record Observed(
    Deployment deployment,
    Certificate serverCertificate,
    Secret tlsSecret,
    PersistentVolumeClaim claim,
    Secret htpasswdSecret,
    List<String> errors) {}
