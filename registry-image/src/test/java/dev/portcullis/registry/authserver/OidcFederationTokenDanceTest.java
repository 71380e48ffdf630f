package dev.portcullis.registry.authserver;

import dev.portcullis.registry.testsupport.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.portcullis.registry.authserver.IssuerFixture.ISSUER;
import static dev.portcullis.registry.authserver.IssuerFixture.SERVICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A CI job's flow with no registry secret: skopeo logs in with the job's OIDC ID token (from mock-oauth2-server over
 * HTTPS) as the password and the token's {@code repository} claim as the user name, then pushes and pulls through a
 * Portcullis registry with {@code auth.token}; the ACL grants push on the owner's namespace to the main branch only.
 */
class OidcFederationTokenDanceTest {
    static final String AUDIENCE = "https://registry.portcullis.test";
    @TempDir
    static Path dir;
    static TestOpenIdProvider provider;
    static AuthServer issuer;
    static TokenModeRegistry registry;
    static Path image;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/skopeo")), "skopeo is not installed");
        TestPki pki = new TestPki(dir, "federation-dance");
        provider = new TestOpenIdProvider(pki, dir);
        TestPki.Issued signing = pki.signing(dir, "token-signing", TestPki.Alg.EC);
        Path config = IssuerFixture.writeConfig(dir, pki.server(dir, "auth-tls"), signing, null, """
                acl:
                  - match: {account: "/.+/", labels: {ref: "refs/heads/main"}, name: "${labels:owner}/*"}
                    actions: ["push", "pull"]
                  - match: {account: "/.+/", name: "${labels:owner}/*"}
                    actions: ["pull"]
                oidc_federation:
                  issuers:
                    ci:
                      issuer: "%s"
                      audience: "%s"
                      account_claim: repository
                      labels: {owner: repository_owner, ref: ref}
                      claims: {repository_owner: acme}
                      ca_certificate: "%s"
                """.formatted(provider.issuer(), AUDIENCE, pki.caFile()));
        issuer = AuthServer.start(AuthServerConfig.load(config));
        registry = TokenModeRegistry.start(dir, pki, issuer);
        image = TokenModeRegistry.randomImage(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        TokenModeRegistry.closeAll(registry, issuer, provider);
    }

    private static String ciToken(String ref) {
        return provider.token(TestOpenIdProvider.ISSUER_ID, "repo:acme/app:ref:" + ref, AUDIENCE,
                new java.util.HashMap<>(Map.of("repository", "acme/app", "repository_owner", "acme", "ref", ref)), 300);
    }

    @Test
    void mainBranchJobPushesAndPullsWithItsIdToken() throws Exception {
        Path job = registry.login("acme/app", ciToken("refs/heads/main"));
        TokenModeRegistry.Exit push = registry.copy(job, "oci:" + image + ":latest", registry.ref("acme/tool:v1"));
        assertEquals(0, push.code(), push.output());
        TokenModeRegistry.Exit pull = registry.copy(job, registry.ref("acme/tool:v1"), "oci:" + dir.resolve("pulled") + ":latest");
        assertEquals(0, pull.code(), pull.output());
        assertEquals(TokenModeRegistry.blobs(image), TokenModeRegistry.blobs(dir.resolve("pulled")));
    }

    @Test
    void featureBranchJobMayNotPush() throws Exception {
        Path job = registry.login("acme/app", ciToken("refs/heads/feature"));
        TokenModeRegistry.Exit push = registry.copy(job, "oci:" + image + ":latest", registry.ref("acme/feature:v1"));
        assertNotEquals(0, push.code(), "a feature branch only pulls: " + push.output());
    }

    @Test
    void tokenUnderAnotherUserNameCannotLogIn() throws Exception {
        TokenModeRegistry.Exit login = registry.tryLogin("acme/other", ciToken("refs/heads/main"), dir.resolve("wrong.json"));
        assertNotEquals(0, login.code(), login.output());
    }
}
