package dev.portcullis.registry.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A misspelt or unreachable upstream does not stop the registry: readiness fails naming it, hosted pulls go on. */
class UpstreamReadinessTest {
    @TempDir
    Path dir;

    @Test
    void anUnknownUpstreamFailsReadinessByNameAndTheRegistryServes() throws Exception {
        try (RunningRegistry registry = RunningRegistry.start(dir, """
                proxy:
                  upstreams:
                    - name: ghcr.io
                      remoteurl: https://no-such-upstream.invalid
                """)) {
            RegistryHttp http = new RegistryHttp(registry.url());
            Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
            String readyz;
            HttpResponse<byte[]> r;
            do {
                Thread.sleep(200);
                r = http.get("/readyz");
                readyz = new String(r.body(), StandardCharsets.UTF_8);
            } while (!readyz.contains("\"failing\"") && Instant.now().isBefore(deadline));
            assertEquals(503, r.statusCode(), readyz);
            assertTrue(readyz.contains("proxy_upstream_ghcr.io") && readyz.contains("no-such-upstream.invalid"), readyz);
            assertEquals(200, http.get("/v2/").statusCode(), "the API serves: hosted repositories do not need the upstream");
            HttpResponse<byte[]> pull = http.get("/v2/ghcr.io/org/tool/manifests/v1");
            assertEquals(503, pull.statusCode());
            assertTrue(new String(pull.body(), StandardCharsets.UTF_8).contains("no-such-upstream.invalid"));
        }
    }

    /** A cache pod restarted while its upstream is down stays in the Service and serves what it holds. */
    @Test
    void aCacheHoldingAnUpstreamsRepositoriesIsReadyWhileTheUpstreamIsDown() throws Exception {
        byte[] layer = "cached while the upstream was up".getBytes(StandardCharsets.UTF_8);
        try (RunningRegistry hosted = RunningRegistry.start(dir)) {
            // what an earlier run of the cache stored, laid down here by a plain registry on the same storage
            new RegistryHttp(hosted.url()).pushImage("ghcr.io/org/tool", "v1", layer);
        }
        try (RunningRegistry registry = RunningRegistry.start(dir, """
                proxy:
                  upstreams:
                    - name: ghcr.io
                      remoteurl: https://no-such-upstream.invalid
                """)) {
            RegistryHttp http = new RegistryHttp(registry.url());
            Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
            HttpResponse<byte[]> r;
            do {
                Thread.sleep(200);
                r = http.get("/readyz");
            } while (r.statusCode() != 200 && Instant.now().isBefore(deadline));
            assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
            HttpResponse<byte[]> pull = http.get("/v2/ghcr.io/org/tool/manifests/v1");
            assertEquals(200, pull.statusCode(), new String(pull.body(), StandardCharsets.UTF_8));
        }
    }
}
