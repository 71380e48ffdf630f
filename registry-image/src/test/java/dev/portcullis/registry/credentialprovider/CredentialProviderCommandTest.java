package dev.portcullis.registry.credentialprovider;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code credential-provider} command answering the requests a Kubernetes 1.34 kubelet sends (recorded in
 * src/test/resources/credentialprovider), run as its own process the way the kubelet runs it.
 */
class CredentialProviderCommandTest {
    static final String HOST = "registry.shop.example:5000";
    static final String AUDIENCE = "https://registry.shop.example";
    static final ServiceAccountTokens TOKENS = new ServiceAccountTokens();

    @TempDir
    Path dir;

    /** One line on stderr, nothing on stdout, no stack trace, no token. */
    static void assertRefused(PluginProcess.Result r, int exitCode, String mentions, String token) {
        assertEquals(exitCode, r.exitCode(), r.stderr());
        assertEquals("", r.stdout(), "nothing for the kubelet to parse");
        assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
        assertTrue(r.stderr().startsWith("credential-provider: "), r.stderr());
        assertTrue(r.stderr().contains(mentions), r.stderr());
        assertFalse(r.stderr().contains("Exception") || r.stderr().contains("\tat "), r.stderr());
        if (token != null) {
            assertFalse(r.stderr().contains(token.substring(token.lastIndexOf('.'))), "token not logged");
        }
    }

    @Test
    void answersWithThePodsOwnTokenForTheRegistry() throws Exception {
        String token = TOKENS.mint("shop", "web", AUDIENCE, Duration.ofHours(1));
        PluginProcess.Result r = PluginProcess.run(dir, PluginProcess.recordedFor("request-v1-serviceaccount.json",
                HOST + "/shop/web:1.4.2", token), "--registry", "other.example", "--registry", HOST);
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("", r.stderr());
        JsonObject response = new JsonObject(r.stdout());
        assertEquals("credentialprovider.kubelet.k8s.io/v1", response.getString("apiVersion"));
        assertEquals("CredentialProviderResponse", response.getString("kind"));
        assertEquals("Registry", response.getString("cacheKeyType"));
        assertEquals("300s", response.getString("cacheDuration"), "the default --max-cache-duration, well inside the token's hour");
        assertEquals(new JsonObject().put(HOST, new JsonObject().put("username", "serviceaccount").put("password", token)),
                response.getJsonObject("auth"));
    }

    @Test
    void theRecordedTokenHasExpiredAndIsNotHandedOn() throws Exception {
        // Recorded from a kubelet at 2025-09-10T11:00Z with an hour's life: replayed now, it is stale.
        String request = PluginProcess.recorded("request-v1-serviceaccount.json");
        String token = new JsonObject(request).getString("serviceAccountToken");
        assertRefused(PluginProcess.run(dir, request, "--registry", HOST), 1, "expired at 2025-09-10T12:00:00Z", token);
    }

    @Test
    void aRequestWithoutATokenIsRefusedUnlessAnonymousPullsAreWanted() throws Exception {
        String request = PluginProcess.recorded("request-v1-no-token.json");
        assertRefused(PluginProcess.run(dir, request, "--registry", HOST), 1, "no serviceAccountToken", null);
        PluginProcess.Result r = PluginProcess.run(dir, request, "--registry", HOST, "--anonymous-without-token");
        assertEquals(0, r.exitCode(), r.stderr());
        JsonObject response = new JsonObject(r.stdout());
        assertEquals(new JsonObject(), response.getJsonObject("auth"), "no credentials: the kubelet pulls anonymously");
        assertEquals("0s", response.getString("cacheDuration"));
    }

    @Test
    void badInputIsOneLineAndANonZeroExit() throws Exception {
        String token = TOKENS.mint("shop", "web", AUDIENCE, Duration.ofHours(1));
        String good = PluginProcess.recordedFor("request-v1-serviceaccount.json", HOST + "/shop/web:1", token);
        assertRefused(PluginProcess.run(dir, "{\"apiVersion\": \"credentialprovider.kubelet.k8s.io/v1\", \"serviceAccountToken\": \""
                + token + "\"", "--registry", HOST), 1, "not JSON", token);
        assertRefused(PluginProcess.run(dir, good.replace("credentialprovider.kubelet.k8s.io/v1", "credentialprovider.kubelet.k8s.io/v1alpha1"),
                "--registry", HOST), 1, "apiVersion 'credentialprovider.kubelet.k8s.io/v1alpha1' is not supported", token);
        assertRefused(PluginProcess.run(dir, PluginProcess.recordedFor("request-v1-serviceaccount.json", "evil.example/shop/web:1", token),
                "--registry", HOST), 1, "is on evil.example, not on a registry this provider answers for", token);
        assertRefused(PluginProcess.run(dir, PluginProcess.recordedFor("request-v1-serviceaccount.json", "library/nginx:1", token),
                "--registry", HOST), 1, "Docker Hub", token);
        assertRefused(PluginProcess.run(dir, PluginProcess.recordedFor("request-v1-serviceaccount.json", HOST + "/shop/web:1", "not-a-jwt"),
                "--registry", HOST), 1, "not a JWT", null);
        assertRefused(PluginProcess.run(dir, good), 2, "at least one --registry", token);
        assertRefused(PluginProcess.run(dir, good, "--registry", HOST, "--max-cache-duration", "soon"), 2, "is not a duration", token);
    }

    // ---- the cache duration, in process with a fixed clock ----

    private static JsonObject answerAt(Instant now, String token, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String request = new JsonObject().put("apiVersion", "credentialprovider.kubelet.k8s.io/v1")
                .put("kind", "CredentialProviderRequest").put("image", HOST + "/shop/web:1").put("serviceAccountToken", token).encode();
        int code = CredentialProviderCommand.run(List.of(args), new ByteArrayInputStream(request.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                Clock.fixed(now, ZoneOffset.UTC));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        return new JsonObject(out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theKubeletNeverCachesTheAnswerPastTheTokensLife() throws Exception {
        String token = TOKENS.mint("shop", "web", AUDIENCE, Duration.ofMinutes(10));
        Instant expiry = TokenLifetime.expiry(token);
        assertEquals("600s", answerAt(expiry.minus(Duration.ofMinutes(20)), token, "--registry", HOST, "--max-cache-duration", "10m")
                .getString("cacheDuration"), "the configured maximum");
        assertEquals("90s", answerAt(expiry.minus(Duration.ofSeconds(120)), token, "--registry", HOST, "--max-cache-duration", "10m")
                .getString("cacheDuration"), "the token's remaining life less the 30s margin");
        assertEquals("0s", answerAt(expiry.minus(Duration.ofSeconds(20)), token, "--registry", HOST)
                .getString("cacheDuration"), "inside the margin: usable for this pull, never cached");
    }
}
