package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.Owners;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.BulkDependentResource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A set of cert-manager Certificates a registry owns, keyed by name: the subclass says which it
 * wants and which names are its own; a name leaving the set deletes its Certificate.
 */
abstract class OwnedCertificatesDependent
    extends OwnedDependent<Certificate>
    implements BulkDependentResource<Certificate, SecureRegistry, String> {

  OwnedCertificatesDependent() {
    super(Certificate.class);
  }

  /** The Certificates this registry should have, now. */
  abstract List<Certificate> desiredCertificates(SecureRegistry primary);

  /** Whether a Certificate of that name belongs to this set (several sets share one informer kind). */
  abstract boolean inSet(SecureRegistry primary, String name);

  @Override
  public Map<String, Certificate> desiredResources(
      SecureRegistry primary, Context<SecureRegistry> context) {
    var out = new LinkedHashMap<String, Certificate>();
    for (Certificate cert : desiredCertificates(primary)) {
      out.put(cert.getMetadata().getName(), cert);
    }
    return out;
  }

  @Override
  public Map<String, Certificate> getSecondaryResources(
      SecureRegistry primary, Context<SecureRegistry> context) {
    return context.getSecondaryResourcesAsStream(Certificate.class)
        .filter(c -> primary.getMetadata().getNamespace().equals(c.getMetadata().getNamespace()))
        .filter(c -> inSet(primary, c.getMetadata().getName()))
        .filter(c -> Owners.isOwnedBy(c, primary))
        // several Certificate informers (CA, server, these) may hold the same object
        .collect(Collectors.toMap(c -> c.getMetadata().getName(), c -> c, (a, b) -> a));
  }

  @Override
  public void deleteTargetResource(SecureRegistry primary, Certificate resource, String key,
      Context<SecureRegistry> context) {
    context.getClient().resource(resource).delete();
  }
}
