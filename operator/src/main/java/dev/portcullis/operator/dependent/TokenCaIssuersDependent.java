package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.model.Owners;
import dev.portcullis.operator.model.TokenSigningCa;
import io.fabric8.certmanager.api.model.v1.Issuer;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.BulkDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The Issuers of the registry's token CA (SelfSigned, then CA), with the managed token issuer
 * only; they go when the registry leaves that mode.
 */
@KubernetesDependent(informer = @Informer(name = "token-ca-issuers",
    labelSelector = Names.MANAGED_SELECTOR))
public class TokenCaIssuersDependent extends OwnedDependent<Issuer>
    implements BulkDependentResource<Issuer, SecureRegistry, String> {

  public TokenCaIssuersDependent() {
    super(Issuer.class);
  }

  @Override
  public Map<String, Issuer> desiredResources(
      SecureRegistry primary, Context<SecureRegistry> context) {
    var out = new LinkedHashMap<String, Issuer>();
    if (primary.getSpec().effectiveAuth().managedToken() != null) {
      for (Issuer issuer : TokenSigningCa.issuers(primary)) {
        out.put(issuer.getMetadata().getName(), issuer);
      }
    }
    return out;
  }

  @Override
  public Map<String, Issuer> getSecondaryResources(
      SecureRegistry primary, Context<SecureRegistry> context) {
    return context.getSecondaryResourcesAsStream(Issuer.class)
        .filter(i -> primary.getMetadata().getNamespace().equals(i.getMetadata().getNamespace()))
        .filter(i -> i.getMetadata().getName().equals(Names.tokenCa(primary))
            || i.getMetadata().getName().equals(Names.tokenCaSelfSigned(primary)))
        .filter(i -> Owners.isOwnedBy(i, primary))
        // the bootstrap CA's Issuer informers may hold the same kind of object
        .collect(Collectors.toMap(i -> i.getMetadata().getName(), i -> i, (a, b) -> a));
  }

  @Override
  public void deleteTargetResource(SecureRegistry primary, Issuer resource, String key,
      Context<SecureRegistry> context) {
    context.getClient().resource(resource).delete();
  }
}
