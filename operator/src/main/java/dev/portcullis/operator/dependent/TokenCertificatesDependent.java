package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.Names;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import java.util.List;

/** The managed token issuer's TLS Certificate, its token CA and the signing Certificate. */
@KubernetesDependent(informer = @Informer(name = "token-certificates",
    labelSelector = Names.MANAGED_SELECTOR))
public class TokenCertificatesDependent extends OwnedCertificatesDependent {

  @Override
  List<Certificate> desiredCertificates(SecureRegistry primary) {
    return primary.getSpec().effectiveAuth().managedToken() == null ? List.of()
        : dev.portcullis.operator.model.TokenIssuerModel.certificates(primary);
  }

  @Override
  boolean inSet(SecureRegistry primary, String name) {
    return name.equals(Names.authServerTls(primary)) || name.equals(Names.tokenSigning(primary))
        || name.equals(Names.tokenCa(primary));
  }
}
