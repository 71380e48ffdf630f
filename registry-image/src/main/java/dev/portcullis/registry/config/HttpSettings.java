package dev.portcullis.registry.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The {@code http} section. */
public record HttpSettings(ListenAddress addr, Optional<String> externalUrl, String prefix,
                           Map<String, List<String>> headers, boolean relativeUrls, Duration drainTimeout,
                           Optional<ListenAddress> debugAddr, boolean prometheusEnabled, String prometheusPath,
                           Optional<TlsSettings> tls, boolean insecure, boolean http2Disabled, int eventLoops,
                           boolean warmUpDisabled) {
}
