package dev.portcullis.registry.authserver;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * docker_auth's {@code dial_info} for {@code mongo_auth} and {@code acl_mongo}: {@code addrs} (host or host:port),
 * {@code timeout} (connect, server selection and each read; docker_auth's example uses 10s), {@code database},
 * {@code username} with {@code password_file} (its content, trimmed, is the password; docker_auth reads it the same
 * way), {@code enable_tls}. Portcullis adds {@code uri_file}: a file holding a {@code mongodb://} or
 * {@code mongodb+srv://} connection string, for deployments that keep the whole URI (password included) in a Secret;
 * it replaces {@code addrs}, {@code username} and {@code password_file}. Relative files resolve against the
 * configuration file's directory.
 */
record MongoDialSettings(List<String> addrs, Path uriFile, Duration timeout, String database, String username,
                         Path passwordFile, boolean enableTls) {
    private static final Set<String> KEYS = Set.of("addrs", "uri_file", "timeout", "database", "username", "password_file", "enable_tls");

    /** {@code s}: the {@code dial_info} mapping. */
    static MongoDialSettings parse(ConfigSection s) throws ConfigException {
        s.allowOnly(KEYS);
        List<String> addrs = s.strings("addrs");
        Path uri = s.path("uri_file");
        String username = s.string("username", "");
        Path passwordFile = s.path("password_file");
        if (uri != null) {
            if (!addrs.isEmpty() || !username.isEmpty() || passwordFile != null) {
                throw new ConfigException(s.key("uri_file"), "replaces addrs, username and password_file: set one or the other");
            }
        } else if (addrs.isEmpty()) {
            throw new ConfigException(s.key("addrs"), "required: the MongoDB hosts (or set uri_file)");
        }
        if (passwordFile != null && username.isEmpty()) {
            throw new ConfigException(s.key("username"), "required with password_file");
        }
        return new MongoDialSettings(List.copyOf(addrs), uri, s.positiveDuration("timeout", Duration.ofSeconds(10)),
                s.required("database"), username, passwordFile, s.bool("enable_tls", false));
    }
}
