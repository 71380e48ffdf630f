package dev.portcullis.registry.authserver;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The {@code oidc_federation} section: what it means when right, and the one line naming the key when wrong. */
class OidcFederationSettingsTest {
    private static OidcFederationSettings parse(String yaml) throws ConfigException {
        Object raw = new Yaml().load(yaml);
        return OidcFederationSettings.parse(new ConfigSection(OidcFederationSettings.SECTION, raw, Path.of("/etc/auth")));
    }

    private static String error(String yaml) {
        return assertThrows(ConfigException.class, () -> parse(yaml)).getMessage();
    }

    @Test
    void githubActionsIssuer() throws Exception {
        OidcFederationSettings s = parse("""
                issuers:
                  gha:
                    issuer: https://token.actions.githubusercontent.com
                    audience: https://registry.example.com
                    account_claim: repository
                    labels: {owner: repository_owner, ref: ref}
                    claims: {repository_owner: acme}
                    ca_certificate: ca.pem
                    max_token_age: 10m
                """);
        OidcFederationSettings.Issuer gha = s.issuers().get("gha");
        assertEquals("https://token.actions.githubusercontent.com", gha.issuer().toString());
        assertEquals(Map.of("owner", "repository_owner", "ref", "ref"), gha.labels());
        assertEquals(Map.of("repository_owner", "acme"), gha.requiredClaims());
        assertEquals(Path.of("/etc/auth/ca.pem"), gha.caCertificate());
        assertEquals(Duration.ofMinutes(10), gha.maxTokenAge());
        assertEquals(Duration.ofSeconds(30), s.jwksMinRefreshInterval());
        assertEquals(Duration.ofSeconds(60), s.clockSkew());
    }

    @Test
    void mistakesNameTheirKey() {
        String ok = "audience: a, account_claim: sub";
        assertEquals("oidc_federation.issuers.x.issuer: must be an https:// URL without query or fragment (the discovery "
                        + "document and keys must not be open to tampering on the way), not 'http://idp.example'",
                error("issuers: {x: {issuer: 'http://idp.example', " + ok + "}}"));
        assertEquals("oidc_federation.issuers.x.audience: required",
                error("issuers: {x: {issuer: 'https://idp.example', account_claim: sub}}"));
        assertEquals("oidc_federation.issuers.x.audiences: unknown key (known: account_claim, audience, ca_certificate, "
                        + "claims, issuer, labels, max_token_age)",
                error("issuers: {x: {issuer: 'https://idp.example', audiences: [a], " + ok + "}}"));
        assertEquals("oidc_federation.issuers.y.issuer: https://idp.example is configured twice",
                error("issuers: {x: {issuer: 'https://idp.example', " + ok + "}, y: {issuer: 'https://idp.example', " + ok + "}}"));
        assertEquals("oidc_federation.jwks_cache_ttl: must be longer than jwks_min_refresh_interval (PT1M)",
                error("jwks_cache_ttl: 1m\njwks_min_refresh_interval: 1m\nissuers: {x: {issuer: 'https://idp.example', " + ok + "}}"));
        assertEquals("oidc_federation.issuers.x.claims.repository_owner: must be a non-empty string",
                error("issuers: {x: {issuer: 'https://idp.example', claims: {repository_owner: ''}, " + ok + "}}"));
        assertThrows(ConfigException.class, () -> parse("issuers: {}"));
    }
}
