package dev.portcullis.registry.authserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.clients.Credentials;
import dev.portcullis.registry.clients.OciImage;
import dev.portcullis.registry.clients.OciImages;
import dev.portcullis.registry.clients.RegistryTarget;
import dev.portcullis.registry.clients.Skopeo;
import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.TestPki;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache against an upstream that works as Docker Hub does: a Portcullis with {@code auth.token} whose 401
 * challenge sends the cache to our token issuer (realm, service, scope), which it asks with Basic credentials for a
 * Bearer token, cached per scope. Wrong credentials end in a clear denial, not a 500.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BearerUpstreamCacheTest {
    @TempDir
    static Path dir;
    private AuthServer issuer;
    private TokenModeRegistry upstream;
    private RunningRegistry cache;
    private OciImage image;
    private TestPki pki;

    @BeforeAll
    void start() throws Exception {
        pki = new TestPki(dir, "bearer-upstream");
        TestPki.Issued authTls = pki.server(dir, "auth-tls");
        TestPki.Issued signing = pki.signing(dir, "token-signing", TestPki.Alg.EC);
        issuer = AuthServer.start(AuthServerConfig.load(IssuerFixture.writeConfig(dir, authTls, signing, null,
                IssuerFixture.usersAndAcl())));
        upstream = TokenModeRegistry.start(dir, pki, issuer);
        image = OciImages.create(dir.resolve("image"), 2, 0.3, 5001);
        Skopeo.create(dir.resolve("skopeo")).copy(new Skopeo.OciDir(image.dir(), "latest"), new Skopeo.Remote(
                new RegistryTarget(upstream.hostPort(), "https", Optional.of(new Credentials("alice", "alice-pw")),
                        upstream.certDir(), pki.caFile(), null, null), "alice/app:v1"));
        cache = startCache("alice-pw");
    }

    private RunningRegistry startCache(String password) throws Exception {
        Path file = Files.writeString(dir.resolve("pw-" + password), password);
        return RunningRegistry.start(dir.resolve("cache-" + password), """
                proxy:
                  upstreams:
                    - name: hub.test
                      remoteurl: https://%s
                      username: alice
                      passwordfile: %s
                      cafile: %s
                """.formatted(upstream.hostPort(), file, pki.caFile()));
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {cache, upstream, issuer}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    @Test
    void anAnonymousClientPullsThroughTheCacheWhichDoesTheTokenDance() throws Exception {
        Skopeo skopeo = Skopeo.create(dir.resolve("skopeo-client"));
        RegistryTarget target = RegistryTarget.plainHttp(cache.hostPort());
        Path pulled = dir.resolve("pulled");
        skopeo.copy(new Skopeo.Remote(target, "hub.test/alice/app:v1"), new Skopeo.OciDir(pulled, "v1"));
        assertEquals(image.manifestDigest(), OciImage.read(pulled).manifestDigest());
        assertEquals(image.manifestDigest(), skopeo.inspectDigest(target, "hub.test/alice/app@" + image.manifestDigest()));
    }

    @Test
    void credentialsTheIssuerRefusesEndInADenialNamingTheUpstream() throws Exception {
        try (RunningRegistry wrong = startCache("not-alices")) {
            HttpResponse<byte[]> r = new RegistryHttp(wrong.url()).get("/v2/hub.test/alice/app/manifests/v1");
            String body = new String(r.body(), StandardCharsets.UTF_8);
            assertEquals(403, r.statusCode(), body);
            assertTrue(body.contains("\"DENIED\"") && body.contains("hub.test") && body.contains("token service"), body);
            assertFalse(body.contains("not-alices"));
        }
    }
}
