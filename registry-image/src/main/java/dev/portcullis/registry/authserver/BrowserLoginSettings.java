package dev.portcullis.registry.authserver;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * One browser login section, docker_auth's {@code oidc_auth} or {@code google_auth}: a person signs in at the OpenID
 * provider through the issuer's login page (served at {@code redirect_url}'s path) and is shown a registry password
 * bound to that identity. Google is an OpenID provider with a fixed issuer and a {@code domain} restriction (the
 * {@code hd} claim), so both sections run the same code ({@link BrowserLoginFlow}).
 * <p>
 * Differences from docker_auth, each refused by name: the client secret is read only from a file
 * ({@code client_secret_file}; an inline {@code client_secret} would put it in the ConfigMap), and {@code token_db} is
 * a directory of hashed passwords ({@link LoginPasswords}) rather than LevelDB.
 *
 * @param issuer            the OpenID provider (https); Google's unless overridden
 * @param restrictDomain    google_auth's {@code domain}: the {@code hd} claim a login must carry, or null
 * @param userClaim         the claim that becomes the account (the docker login user name)
 * @param labelClaims       claims copied into labels of the same name, for ACLs ({@code match.labels})
 * @param passwordExpiration how long a shown password stays valid
 * @param caCertificate     extra CA the provider's TLS certificate is checked against (a private provider), or null
 */
public record BrowserLoginSettings(String section, URI issuer, String clientId, Path clientSecretFile,
                                   URI redirectUrl, List<String> scopes, String userClaim, List<String> labelClaims,
                                   String restrictDomain, String registryUrl, Path tokenDb, Duration httpTimeout,
                                   Duration passwordExpiration, Path caCertificate)
        implements BackendSettings.Login {
    public static final String OIDC = "oidc_auth";
    public static final String GOOGLE = "google_auth";
    static final URI GOOGLE_ISSUER = URI.create("https://accounts.google.com");
    /** Paths the issuer already serves: a login page there would shadow them. */
    private static final Set<String> RESERVED_PATHS = Set.of("/", "/auth", "/healthz", "/certs.pem", "/.well-known/jwks.json");

    @Override
    public String section() {
        return section;
    }

    @Override
    public LoginBackend start() throws ConfigException {
        return BrowserLoginBackend.start(this);
    }

    /** The login page's (and the provider's callback's) path on the issuer. */
    String path() {
        return redirectUrl.getRawPath();
    }

    static BrowserLoginSettings parseOidc(ConfigSection s) throws ConfigException {
        s.allowOnly(Set.of("issuer", "redirect_url", "client_id", "client_secret", "client_secret_file", "scopes",
                "user_claim", "label_claims", "registry_url", "token_db", "http_timeout", "password_expiration",
                "ca_certificate"));
        URI issuer = https(s, "issuer", s.required("issuer"));
        List<String> scopes = s.has("scopes") ? s.strings("scopes") : List.of("openid", "email");
        if (!scopes.contains("openid")) {
            throw new ConfigException(s.key("scopes"), "must include openid (the login needs an ID token)");
        }
        return common(s, OIDC, issuer, scopes, s.string("user_claim", "email"), s.strings("label_claims"), null);
    }

    static BrowserLoginSettings parseGoogle(ConfigSection s) throws ConfigException {
        s.allowOnly(Set.of("domain", "client_id", "client_secret", "client_secret_file", "redirect_url", "registry_url",
                "token_db", "http_timeout", "password_expiration", "issuer", "ca_certificate"));
        URI issuer = s.has("issuer") ? https(s, "issuer", s.required("issuer")) : GOOGLE_ISSUER;
        String domain = s.string("domain", null);
        if (domain != null && (domain.isBlank() || domain.contains("@") || domain.contains("/"))) {
            throw new ConfigException(s.key("domain"), "must be a domain name such as example.com");
        }
        return common(s, GOOGLE, issuer, List.of("openid", "email"), "email", List.of(), domain);
    }

    private static BrowserLoginSettings common(ConfigSection s, String section, URI issuer, List<String> scopes,
                                               String userClaim, List<String> labelClaims, String domain)
            throws ConfigException {
        if (s.has("client_secret")) {
            throw new ConfigException(s.key("client_secret"), "not supported: put the secret in a file readable by the "
                    + "issuer only and name it in client_secret_file (a secret inline would sit in the ConfigMap)");
        }
        String clientId = s.required("client_id");
        Path secretFile = s.path("client_secret_file");
        if (secretFile == null) {
            throw new ConfigException(s.key("client_secret_file"), "required: the file holding the OAuth client secret");
        }
        URI redirect = https(s, "redirect_url", s.required("redirect_url"));
        String path = redirect.getRawPath();
        if (path == null || path.isEmpty() || RESERVED_PATHS.contains(path) || path.endsWith("/")) {
            throw new ConfigException(s.key("redirect_url"), "needs a path of its own for the login page, such as "
                    + "https://auth.example.com/" + section + " (not " + (path == null || path.isEmpty() ? "/" : path) + ")");
        }
        if (userClaim.isBlank()) {
            throw new ConfigException(s.key("user_claim"), "must name a claim");
        }
        Path tokenDb = s.path("token_db");
        if (tokenDb == null) {
            throw new ConfigException(s.key("token_db"), "required: the directory where issued passwords are kept "
                    + "(hashed); replicas of the issuer must share it");
        }
        Duration timeout = s.positiveDuration("http_timeout", Duration.ofSeconds(10));
        Duration expiration = s.positiveDuration("password_expiration", Duration.ofHours(12));
        if (expiration.compareTo(Duration.ofSeconds(10)) < 0 || expiration.compareTo(Duration.ofDays(90)) > 0) {
            throw new ConfigException(s.key("password_expiration"), "must be between 10s and 90d");
        }
        String registryUrl = s.string("registry_url", null);
        return new BrowserLoginSettings(section, issuer, clientId, secretFile, redirect, List.copyOf(scopes), userClaim,
                List.copyOf(labelClaims), domain, registryUrl, tokenDb, timeout, expiration, s.path("ca_certificate"));
    }

    /** An https:// URL without query or fragment: what a provider or a redirect target must be. */
    private static URI https(ConfigSection s, String k, String url) throws ConfigException {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new ConfigException(s.key(k), "not a URL: '" + url + "'");
        }
        if (!"https".equals(uri.getScheme()) || uri.getHost() == null || uri.getQuery() != null || uri.getFragment() != null) {
            throw new ConfigException(s.key(k), "must be an https:// URL without query or fragment, not '" + url + "'");
        }
        return uri;
    }
}
