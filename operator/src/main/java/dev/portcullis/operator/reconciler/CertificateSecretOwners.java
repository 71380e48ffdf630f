package dev.portcullis.operator.reconciler;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.Owners;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * cert-manager leaves the Secret of a Certificate (the private key) behind when the Certificate
 * goes, unless it runs with {@code --enable-certificate-owner-ref}, which clusters rarely set. So
 * the operator gives each Secret written for a Certificate the registry owns an owner reference to
 * that Certificate, as the flag would: removing a client certificate from the spec, or deleting the
 * registry (whose Certificates go with it), then takes the key with it through garbage
 * collection. Not a controller reference (cert-manager is the Secret's writer) and no
 * blockOwnerDeletion (which would need rights on Certificates' finalizers).
 */
final class CertificateSecretOwners {
  private static final Logger log = LoggerFactory.getLogger(CertificateSecretOwners.class);

  private CertificateSecretOwners() {}

  /** Adds the missing owner references; a Secret not written yet is taken at a later reconcile. */
  static void adopt(Context<SecureRegistry> context, SecureRegistry r) {
    for (Certificate c : owned(context, r)) {
      String name = c.getSpec() == null ? null : c.getSpec().getSecretName();
      Secret s = name == null ? null : ReferencedSecrets.get(context, r, name);
      if (s == null || Owners.isOwnedBy(s, c)) {
        continue;
      }
      try {
        context.getClient().secrets().inNamespace(r.getMetadata().getNamespace()).withName(name)
            .edit(current -> {
              var refs = new ArrayList<OwnerReference>(current.getMetadata().getOwnerReferences()
                  == null ? List.of() : current.getMetadata().getOwnerReferences());
              refs.add(new OwnerReferenceBuilder().withApiVersion(c.getApiVersion())
                  .withKind(c.getKind()).withName(c.getMetadata().getName())
                  .withUid(c.getMetadata().getUid()).withController(false)
                  .withBlockOwnerDeletion(false).build());
              current.getMetadata().setOwnerReferences(refs);
              return current;
            });
      } catch (KubernetesClientException e) {
        log.info("{}/{}: Secret {} not yet owned by its Certificate: {}",
            r.getMetadata().getNamespace(), r.getMetadata().getName(), name, e.getMessage());
      }
    }
  }

  private static List<Certificate> owned(Context<SecureRegistry> context, SecureRegistry r) {
    try {
      return context.getSecondaryResourcesAsStream(Certificate.class)
          .filter(c -> r.getMetadata().getNamespace().equals(c.getMetadata().getNamespace()))
          .filter(c -> Owners.isOwnedBy(c, r))
          .distinct().toList();
    } catch (RuntimeException noCertificateInformers) {
      return List.of(); // cert-manager not installed, or TLS disabled
    }
  }
}
