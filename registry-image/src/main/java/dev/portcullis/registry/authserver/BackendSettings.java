package dev.portcullis.registry.authserver;

/**
 * The typed settings of one optional docker_auth backend section, parsed once when the configuration is read.
 * {@link #start()} opens what the backend needs (files named in the section, connection pools); a file it cannot read
 * is a ConfigException naming the key, so the issuer refuses to start rather than run with a hole.
 */
public sealed interface BackendSettings permits BackendSettings.Login, BackendSettings.Access, BackendSettings.SignedToken {
    /** The docker_auth section name, e.g. {@code ldap_auth}. */
    String section();

    non-sealed interface Login extends BackendSettings {
        LoginBackend start() throws ConfigException;
    }

    non-sealed interface Access extends BackendSettings {
        AccessBackend start() throws ConfigException;
    }

    non-sealed interface SignedToken extends BackendSettings {
        SignedTokenBackend start() throws ConfigException;
    }
}
