package dev.portcullis.registry.authserver;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * docker_auth's {@code dial_info} for {@code mongo_auth} and {@code acl_mongo}: {@code addrs} (host or host:port),
 * {@code timeout} (connect, server selection and each read; docker_auth's example uses 10s), {@code database},
 * {@code username} with {@code password_file} (its content, trimmed, is the password; docker_auth reads it the same
 * way), {@code enable_tls}. Portcullis adds {@code uri_file}: a file holding a {@code mongodb://} or
 * {@code mongodb+srv://} connection string, for deployments that keep the whole URI (password included) in a Secret;
 * it replaces {@code addrs}, {@code username} and {@code password_file}.
 */
record MongoDialSettings(List<String> addrs, Path uriFile, Duration timeout, String database, String username,
                         Path passwordFile, boolean enableTls) {
    private static final Set<String> KEYS = Set.of("addrs", "uri_file", "timeout", "database", "username", "password_file", "enable_tls");

    static MongoDialSettings fromConfig(Map<String, Object> section, String keyPrefix) throws ConfigException {
        SectionValues.onlyKeys(section, KEYS, keyPrefix);
        List<String> addrs = SectionValues.strings(section.get("addrs"), keyPrefix + "addrs");
        String uri = SectionValues.string(section.get("uri_file"), keyPrefix + "uri_file", null);
        String username = SectionValues.string(section.get("username"), keyPrefix + "username", "");
        String passwordFile = SectionValues.string(section.get("password_file"), keyPrefix + "password_file", null);
        if (uri != null) {
            if (!addrs.isEmpty() || !username.isEmpty() || passwordFile != null) {
                throw new ConfigException(keyPrefix + "uri_file", "replaces addrs, username and password_file: set one or the other");
            }
        } else if (addrs.isEmpty()) {
            throw new ConfigException(keyPrefix + "addrs", "required: the MongoDB hosts (or set uri_file)");
        }
        if (passwordFile != null && username.isEmpty()) {
            throw new ConfigException(keyPrefix + "username", "required with password_file");
        }
        String database = SectionValues.required(section.get("database"), keyPrefix + "database");
        Duration timeout = SectionValues.positiveDuration(section.get("timeout"), keyPrefix + "timeout", Duration.ofSeconds(10));
        boolean tls = SectionValues.bool(section.get("enable_tls"), keyPrefix + "enable_tls", false);
        return new MongoDialSettings(List.copyOf(addrs), uri == null ? null : Path.of(uri), timeout, database, username,
                passwordFile == null ? null : Path.of(passwordFile), tls);
    }
}
