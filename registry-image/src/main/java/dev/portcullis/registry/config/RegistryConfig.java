package dev.portcullis.registry.config;

import java.util.List;

/**
 * The validated configuration. Sections that later features read on their own (auth, health) stay available through
 * {@link #tree()}, already with the environment overrides applied.
 */
public record RegistryConfig(LogSettings log, StorageSettings storage, HttpSettings http, int catalogMaxEntries,
                             ConfigTree tree, List<String> warnings) {
}
