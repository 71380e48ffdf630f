package dev.portcullis.operator.health;

import dev.portcullis.operator.api.HealthStatus;
import java.net.URI;
import java.util.Optional;

/**
 * Probes a registry's {@code /readyz}. Injectable: the mock cluster has no pods, so its tests use
 * {@link #NONE}; {@link HttpsHealthProber} is what ships.
 */
public interface HealthProber {

  /** What to probe: the URL, the CA to trust (PEM) and, in MutualTLS mode, a client certificate. */
  record Target(URI url, String caPem, Optional<String> clientCertificatePem,
      Optional<String> clientKeyPem) {}

  /** Never probes: no health in status, no Healthy condition. */
  HealthProber NONE = target -> null;

  /** The result, or null when this prober does not probe. Never throws: failures are results. */
  HealthStatus probe(Target target);
}
