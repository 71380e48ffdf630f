package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.Htpasswd;
import dev.portcullis.operator.model.HtpasswdSecretModel;
import dev.portcullis.operator.model.Names;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.List;

/**
 * The htpasswd Secret built from the users' password Secrets. The reconciler resolves the
 * passwords before the workflow runs (and skips the workflow when one is missing), then hands
 * them over through the workflow context; desired() is memoized there too because bcrypt checks
 * are deliberately slow and JOSDK asks for desired() more than once per reconcile.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class HtpasswdSecretDependent extends OwnedDependent<Secret> {

  /** Key of the resolved {@code List<Htpasswd.Credential>} in the workflow context. */
  public static final String CREDENTIALS = "portcullis.credentials";
  private static final String DESIRED = "portcullis.htpasswd.desired";

  public HtpasswdSecretDependent() {
    super(Secret.class);
  }

  @Override
  @SuppressWarnings("unchecked")
  protected Secret desired(SecureRegistry primary, Context<SecureRegistry> context) {
    var shared = context.managedWorkflowAndDependentResourceContext();
    // memoize the file, not the Secret: JOSDK adds metadata to the object it is handed
    String file = shared.get(DESIRED, String.class).orElseGet(() -> {
      List<Htpasswd.Credential> credentials = shared.getMandatory(CREDENTIALS, List.class);
      Secret existing = context.getSecondaryResources(Secret.class).stream()
          .filter(s -> Names.htpasswdSecret(primary).equals(s.getMetadata().getName()))
          .findFirst().orElse(null);
      String built = HtpasswdSecretModel.file(credentials, existing);
      shared.put(DESIRED, built);
      return built;
    });
    return HtpasswdSecretModel.desired(primary, file);
  }

  @Override
  protected ResourceID targetSecondaryResourceID(
      SecureRegistry primary, Context<SecureRegistry> context) {
    return new ResourceID(Names.htpasswdSecret(primary), primary.getMetadata().getNamespace());
  }
}
