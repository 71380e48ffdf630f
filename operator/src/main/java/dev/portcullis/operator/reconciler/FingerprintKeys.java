package dev.portcullis.operator.reconciler;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.FingerprintKey;
import dev.portcullis.operator.model.Problem;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's {@link FingerprintKey} Secret on the API server: read, or created when it is
 * missing, never replaced. Not a JOSDK dependent on purpose: a dependent's desired state is
 * applied on every reconcile, and a random key must be drawn once.
 */
final class FingerprintKeys {

  private static final Logger log = LoggerFactory.getLogger(FingerprintKeys.class);

  private FingerprintKeys() {}

  /** A Secret in the way of the key, as a problem; empty when the key is usable or missing. */
  static Optional<Problem> problem(Context<SecureRegistry> context, SecureRegistry r) {
    return FingerprintKey.problem(r, existing(context, r));
  }

  /** The registry's key, creating its Secret when there is none. */
  static byte[] key(Context<SecureRegistry> context, SecureRegistry r) {
    Secret existing = existing(context, r);
    if (existing != null) {
      return FingerprintKey.of(existing).orElseThrow(() -> new IllegalStateException(
          FingerprintKey.problem(r, existing).orElseThrow().message()));
    }
    byte[] key = FingerprintKey.generate();
    try {
      context.getClient().resource(FingerprintKey.secret(r, key)).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      // created meanwhile (an operator replica taking over): that key is the one
      Secret created = existing(context, r);
      return FingerprintKey.of(created).orElseThrow(() -> e);
    }
    log.info("{}/{}: created Secret {} (a new key: pods that mount Secrets roll once)",
        r.getMetadata().getNamespace(), r.getMetadata().getName(), FingerprintKey.secretName(r));
    return key;
  }

  private static Secret existing(Context<SecureRegistry> context, SecureRegistry r) {
    Secret s = ReferencedSecrets.get(context, r, FingerprintKey.secretName(r));
    if (s == null) { // the informer may not have seen our own create yet
      s = context.getClient().secrets().inNamespace(r.getMetadata().getNamespace())
          .withName(FingerprintKey.secretName(r)).get();
    }
    return s;
  }
}
