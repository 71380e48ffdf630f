package dev.portcullis.registry.api;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the protocol layer needs to know of the configuration. */
public record ApiSettings(String prefix, boolean deleteEnabled, boolean readOnly, int catalogMaxEntries, Optional<String> externalUrl,
                          Map<String, List<String>> headers, long maxManifestBytes, BodyLimits bodyLimits,
                          boolean accessLog) {

    public static final long DEFAULT_MAX_MANIFEST_BYTES = 4L * 1024 * 1024;

    /** A path under {@code /v2/} as the Location header shows it: absolute when {@code http.host} is set. */
    public String location(String path) {
        String full = prefix.substring(0, prefix.length() - 1) + path;
        return externalUrl.map(u -> u + full).orElse(full);
    }
}
