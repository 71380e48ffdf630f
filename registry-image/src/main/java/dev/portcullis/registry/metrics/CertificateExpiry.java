package dev.portcullis.registry.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code portcullis_tls_certificate_expiry_timestamp_seconds{purpose}}: when the first of the certificates the registry
 * uses for one purpose expires (notAfter, seconds since the epoch). The certificates are asked for at every scrape, so
 * the gauge follows the live reloads of the TLS files and the token trust without being told of them; the alert
 * "certificate expiring" compares it with {@code time()}.
 */
final class CertificateExpiry {
    static final String NAME = "portcullis_tls_certificate_expiry_timestamp_seconds";

    private CertificateExpiry() {
    }

    /** An empty list (all certificates gone mid-reload) reads as NaN, which no threshold alert mistakes for expiry. */
    static void register(MeterRegistry registry, String purpose, Supplier<List<X509Certificate>> certificates) {
        Gauge.builder(NAME, certificates, CertificateExpiry::earliestNotAfter)
                .tag("purpose", purpose)
                // the supplier is a lambda nothing else holds: Micrometer's default weak reference would lose it
                .strongReference(true)
                .description("notAfter of the earliest-expiring certificate of this purpose, in seconds since the epoch")
                .register(registry);
    }

    static double earliestNotAfter(Supplier<List<X509Certificate>> certificates) {
        return certificates.get().stream()
                .mapToDouble(c -> c.getNotAfter().toInstant().getEpochSecond())
                .min().orElse(Double.NaN);
    }
}
