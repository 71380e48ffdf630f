package dev.portcullis.registry.config;

import dev.portcullis.registry.api.BodyLimits;
import dev.portcullis.registry.auth.AuthSettings;
import dev.portcullis.registry.gc.GcSettings;
import dev.portcullis.registry.health.HealthSettings;
import dev.portcullis.registry.notify.NotificationSettings;
import dev.portcullis.registry.proxy.ProxySettings;
import java.util.List;
import java.util.Optional;

/**
 * The validated configuration, every section parsed once by {@link RegistryConfigLoader} (with the environment
 * overrides applied): each component is handed its own section, and none reads a raw key.
 *
 * @param body     {@code http.body}: how slowly and how many request bodies may arrive
 * @param gc       {@code storage.maintenance.gc}
 * @param proxy    {@code proxy}: empty when the registry caches no upstream
 * @param warnings one line each: unknown or unsupported keys (ignored), legal but risky combinations
 */
public record RegistryConfig(LogSettings log, StorageSettings storage, HttpSettings http, int catalogMaxEntries,
                             AuthSettings auth, HealthSettings health, GcSettings gc, Optional<ProxySettings> proxy,
                             NotificationSettings notifications, BodyLimits body, List<String> warnings) {
}
