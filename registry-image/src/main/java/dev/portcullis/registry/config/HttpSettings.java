package dev.portcullis.registry.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code http} section. {@code h2cEnabled}: Distribution 3's {@code http.h2c.enabled}, HTTP/2 without TLS (the h2c
 * upgrade) on a plain-HTTP listener; off by default, as in Distribution, which 2.8 never offered.
 */
public record HttpSettings(ListenAddress addr, Optional<String> externalUrl, String prefix,
                           Map<String, List<String>> headers, boolean relativeUrls, Duration drainTimeout,
                           Optional<ListenAddress> debugAddr, boolean prometheusEnabled, String prometheusPath,
                           Optional<TlsSettings> tls, boolean insecure, boolean http2Disabled, int eventLoops,
                           boolean warmUpDisabled, boolean h2cEnabled) {
}
