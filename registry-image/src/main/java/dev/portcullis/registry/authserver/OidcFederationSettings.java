package dev.portcullis.registry.authserver;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The {@code oidc_federation} section (Portcullis's own; docker_auth has no equivalent): CI workload identity. An
 * OpenID Connect ID token from a trusted issuer, given as the password of {@code docker login}, is the login. Issuers
 * are named ({@code issuers: {github-actions: {...}}}) so logs and mistakes point at one. Issuer URLs are HTTPS only:
 * the discovery document and JWKS decide whose signatures are believed, so they must not come over plain HTTP.
 */
public record OidcFederationSettings(Map<String, Issuer> issuers, Duration timeout, Duration clockSkew,
                                     Duration jwksMinRefreshInterval, Duration jwksCacheTtl)
        implements BackendSettings.SignedToken {
    public static final String SECTION = "oidc_federation";

    /**
     * One trusted issuer. {@code accountClaim} names the claim that becomes the account (the docker login user name
     * must equal it); {@code labels} maps a label name to the claim that fills it; {@code requiredClaims} are claim
     * values a token must carry (e.g. {@code repository_owner: acme}); {@code maxTokenAge} (optional) bounds now - iat.
     */
    public record Issuer(String name, URI issuer, String audience, String accountClaim, Map<String, String> labels,
                         Map<String, String> requiredClaims, Path caCertificate, Duration maxTokenAge) {
    }

    @Override
    public String section() {
        return SECTION;
    }

    @Override
    public SignedTokenBackend start() throws ConfigException {
        return OidcFederationBackend.start(this);
    }

    static OidcFederationSettings parse(ConfigSection s) throws ConfigException {
        s.allowOnly(Set.of("issuers", "timeout", "clock_skew", "jwks_min_refresh_interval", "jwks_cache_ttl"));
        Duration timeout = positive(s, "timeout", Duration.ofSeconds(5));
        Duration skew = s.duration("clock_skew", Duration.ofSeconds(60));
        if (skew.isNegative() || skew.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new ConfigException(s.key("clock_skew"), "must be between 0s and 5m");
        }
        Duration minRefresh = positive(s, "jwks_min_refresh_interval", Duration.ofSeconds(30));
        Duration ttl = positive(s, "jwks_cache_ttl", Duration.ofMinutes(5));
        if (ttl.compareTo(minRefresh) <= 0) {
            // Otherwise every cache expiry would hit the rate limit and a rotated key could never be fetched.
            throw new ConfigException(s.key("jwks_cache_ttl"), "must be longer than jwks_min_refresh_interval (" + minRefresh + ")");
        }
        ConfigSection list = s.section("issuers");
        if (list.keys().isEmpty()) {
            throw new ConfigException(s.key("issuers"), "required: at least one trusted issuer, e.g. "
                    + "issuers: {github-actions: {issuer: https://token.actions.githubusercontent.com, audience: ..., account_claim: repository}}");
        }
        Map<String, Issuer> issuers = new LinkedHashMap<>();
        Set<URI> seen = new java.util.HashSet<>();
        for (String name : list.keys()) {
            Issuer i = issuer(name, list.section(name));
            if (!seen.add(i.issuer())) {
                throw new ConfigException(list.key(name) + ".issuer", i.issuer() + " is configured twice");
            }
            issuers.put(name, i);
        }
        return new OidcFederationSettings(Map.copyOf(issuers), timeout, skew, minRefresh, ttl);
    }

    private static Issuer issuer(String name, ConfigSection s) throws ConfigException {
        s.allowOnly(Set.of("issuer", "audience", "account_claim", "labels", "claims", "ca_certificate", "max_token_age"));
        String url = s.required("issuer");
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new ConfigException(s.key("issuer"), "not a URL: '" + url + "'");
        }
        if (!"https".equals(uri.getScheme()) || uri.getHost() == null || uri.getQuery() != null || uri.getFragment() != null) {
            throw new ConfigException(s.key("issuer"), "must be an https:// URL without query or fragment (the discovery "
                    + "document and keys must not be open to tampering on the way), not '" + url + "'");
        }
        String audience = s.required("audience");
        String accountClaim = s.required("account_claim");
        Map<String, String> labels = stringMap(s.section("labels"));
        Map<String, String> claims = stringMap(s.section("claims"));
        Duration maxAge = null;
        if (s.has("max_token_age")) {
            maxAge = positive(s, "max_token_age", null);
        }
        return new Issuer(name, uri, audience, accountClaim, Map.copyOf(labels), Map.copyOf(claims), s.path("ca_certificate"), maxAge);
    }

    private static Map<String, String> stringMap(ConfigSection s) throws ConfigException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : s.keys()) {
            String v = s.string(k, null);
            if (k.isBlank() || v == null || v.isBlank()) {
                throw new ConfigException(s.key(k), "must be a non-empty string");
            }
            out.put(k, v);
        }
        return out;
    }

    private static Duration positive(ConfigSection s, String k, Duration dflt) throws ConfigException {
        Duration d = s.duration(k, dflt);
        if (d.isZero() || d.isNegative()) {
            throw new ConfigException(s.key(k), "must be longer than zero");
        }
        return d;
    }
}
