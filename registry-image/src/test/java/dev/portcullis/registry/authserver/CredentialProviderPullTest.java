package dev.portcullis.registry.authserver;

import dev.portcullis.registry.clients.ContainerdNode;
import dev.portcullis.registry.clients.Credentials;
import dev.portcullis.registry.clients.Exec;
import dev.portcullis.registry.credentialprovider.PluginProcess;
import dev.portcullis.registry.credentialprovider.ServiceAccountTokens;
import dev.portcullis.registry.testsupport.TestPki;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A pod pulling as itself: the kubelet's request (recorded, with a fresh projected token) goes to the
 * {@code credential-provider} process; containerd pulls from a Portcullis registry in token mode with the user name
 * and password it answers; the issuer logs the token in with a TokenReview, which Fabric8's mock API server answers
 * by verifying the token's signature, expiry and audience; one generic ACL rule on the {@code namespace} label lets
 * each namespace pull its own images.
 */
class CredentialProviderPullTest {
    static final String AUDIENCE = "https://registry.portcullis.test";
    static final ServiceAccountTokens TOKENS = new ServiceAccountTokens();
    @TempDir
    static Path dir;
    static KubernetesMockServer apiServer;
    static AuthServer issuer;
    static TokenModeRegistry registry;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/skopeo")), "skopeo is not installed");
        apiServer = new KubernetesMockServer(false);
        apiServer.init();
        apiServer.expect().post().withPath(KubernetesAuthenticator.TOKEN_REVIEWS).andReply(201, request -> {
            JsonObject asked = new JsonObject(request.getUtf8Body());
            JsonObject spec = asked.getJsonObject("spec");
            List<String> audiences = spec.containsKey("audiences")
                    ? spec.getJsonArray("audiences").stream().map(String::valueOf).toList() : List.of();
            Optional<Map<String, Object>> user = TOKENS.reviewedUser(spec.getString("token"), audiences);
            JsonObject status = new JsonObject().put("authenticated", user.isPresent());
            user.ifPresent(u -> status.put("user", new JsonObject(u)).put("audiences", spec.getJsonArray("audiences")));
            return asked.put("status", status).encode();
        }).always();

        TestPki pki = new TestPki(dir, "credential-provider");
        TestPki.Issued signing = pki.signing(dir, "token-signing", TestPki.Alg.EC);
        Path config = IssuerFixture.writeConfig(dir, pki.server(dir, "auth-tls"), signing, null, """
                users:
                  ci-pusher:
                    password: "%s"
                kubernetes:
                  enabled: true
                  audiences: ["%s"]
                acl:
                  - match: {account: "ci-pusher", name: "shop/*"}
                    actions: ["push", "pull"]
                  - match: {account: "system:serviceaccount:*", labels: {namespace: "/.+/"}, name: "${labels:namespace}/*"}
                    actions: ["pull"]
                throttle: {max_failures: 1000}
                """.formatted(IssuerFixture.hash("pusher-pw"), AUDIENCE));
        Path saToken = Files.writeString(dir.resolve("issuer-sa-token"), TOKENS.mint("portcullis", "issuer", "https://kubernetes.default.svc", Duration.ofHours(1)));
        KubernetesApi api = KubernetesApi.inCluster(Map.of("KUBERNETES_MASTER", apiServer.url("/"),
                "KUBERNETES_AUTH_SERVICEACCOUNT_TOKEN", saToken.toString()), dir.resolve("no-such-dir"));
        issuer = AuthServer.start(AuthServerConfig.load(config), api, Clock.systemUTC());

        registry = TokenModeRegistry.start(dir, pki, issuer);

        // The shop's image, pushed by CI with a static user.
        Path image = TokenModeRegistry.randomImage(dir);
        TokenModeRegistry.Exit push = registry.skopeo(null, "--insecure-policy", "copy", "--retry-times", "0",
                "--dest-cert-dir", registry.certDir().toString(), "--dest-creds", "ci-pusher:pusher-pw",
                "oci:" + image + ":latest", registry.ref("shop/web:v1"));
        assertEquals(0, push.code(), push.output());
    }

    @AfterAll
    static void stop() throws Exception {
        TokenModeRegistry.closeAll(registry, issuer, apiServer == null ? null : apiServer::destroy);
    }

    /** What the kubelet would get from the plugin for this pod's token and this image. */
    private static Credentials credentialsFor(String token, String image) throws Exception {
        PluginProcess.Result r = PluginProcess.run(dir.resolve("plugin"),
                PluginProcess.recordedFor("request-v1-serviceaccount.json", image, token), "--registry", registry.hostPort());
        assertEquals(0, r.exitCode(), r.stderr());
        JsonObject auth = new JsonObject(r.stdout()).getJsonObject("auth").getJsonObject(registry.hostPort());
        return new Credentials(auth.getString("username"), auth.getString("password"));
    }

    private static Path hostsDir() throws Exception {
        return registry.hostsDir("pull", "resolve");
    }

    private static void assertRefusedByTheRegistry(Exec.Result r) {
        assertTrue(r.output().toLowerCase().matches("(?s).*(unauthorized|denied|401|403).*"), r.output());
    }

    @Test
    void aShopPodPullsWithTheCredentialsThePluginReturns() throws Exception {
        String image = registry.hostPort() + "/shop/web:v1";
        Credentials credentials = credentialsFor(TOKENS.mint("shop", "web", AUDIENCE, Duration.ofMinutes(10)), image);
        try (ContainerdNode ctd = ContainerdNode.start()) {
            Exec.Result r = ctd.tryPull(image, hostsDir(), Optional.of(credentials));
            assertEquals(0, r.exitCode(), r.describe());
            assertTrue(ctd.completeAndUnpacked(image), r.output());
        }
    }

    @Test
    void aPodOfAnotherNamespaceOrWithAnotherAudienceIsRefused() throws Exception {
        String image = registry.hostPort() + "/shop/web:v1";
        try (ContainerdNode ctd = ContainerdNode.start()) {
            // The plugin hands on any pod's token; the ACL decides: dev's ServiceAccounts pull dev/*, nothing in shop/.
            Exec.Result r = ctd.tryPull(image, hostsDir(),
                    Optional.of(credentialsFor(TOKENS.mint("dev", "web", AUDIENCE, Duration.ofMinutes(10)), image)));
            assertNotEquals(0, r.exitCode(), "another namespace's ServiceAccount: " + r.output());
            assertRefusedByTheRegistry(r);
            // A token the kubelet requested for another audience fails the TokenReview.
            r = ctd.tryPull(image, hostsDir(),
                    Optional.of(credentialsFor(TOKENS.mint("shop", "web", "https://other.example", Duration.ofMinutes(10)), image)));
            assertNotEquals(0, r.exitCode(), "a token for another audience: " + r.output());
            assertRefusedByTheRegistry(r);
        }
    }
}
