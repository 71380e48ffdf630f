package dev.portcullis.registry.server;

import dev.portcullis.registry.api.ApiSettings;
import dev.portcullis.registry.api.BodySlots;
import dev.portcullis.registry.api.RegistryApi;
import dev.portcullis.registry.auth.Authorizer;
import dev.portcullis.registry.metrics.RegistryMetrics;
import dev.portcullis.registry.storage.DriverRegistryStorage;
import dev.portcullis.registry.storage.driver.FilesystemDriver;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Optional;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Before the registry reports ready, it pushes a scratch blob and pulls it back a few times through its own API and
 * TLS stack, so that the first pull after a rollout is not the JIT compiler's training run (a cold 64 MiB TLS GET cost
 * about six times the CPU of a warm one). Everything runs against a throwaway filesystem store in a temporary
 * directory, served by a second listener on a loopback port of its own with no credentials: it never sees the
 * registry's storage or users, and the directory is deleted afterwards. The code paths are the ones real requests
 * take (routing, upload, digest check, blob GET, TLS, the pooled file sender), so what the JIT learns applies.
 */
final class WarmUp {
    private static final Logger LOG = Logger.getLogger(WarmUp.class.getName());
    /** Big enough for the file sender's loops to be compiled, small enough to cost a fraction of a second. */
    static final int BLOB_BYTES = 4 * 1024 * 1024;
    static final int GETS = 8;
    private static final String REPOSITORY = "portcullis/warmup";

    private WarmUp() {}

    /**
     * Runs the warm-up; the future completes when it is over, failed if a step did not give the expected answer.
     * {@code trustedCertificate} is the PEM certificate the listener presents, or empty for plain HTTP.
     */
    static Future<Void> run(Vertx vertx, WorkerExecutor workers, HttpServerOptions serving, ApiSettings settings,
                            Optional<byte[]> trustedCertificate) {
        long started = System.nanoTime();
        return workers.executeBlocking(() -> Files.createTempDirectory("portcullis-warmup"), false)
                .compose(scratch -> workers.executeBlocking(() -> new DriverRegistryStorage(new FilesystemDriver(scratch)), false)
                        .compose(storage -> exercise(vertx, workers, serving, settings, trustedCertificate, storage))
                        .eventually(() -> workers.executeBlocking(() -> {
                            deleteRecursively(scratch);
                            return null;
                        }, false))
                        .map(v -> scratch))
                .onSuccess(scratch -> LOG.info("warm-up done in " + (System.nanoTime() - started) / 1_000_000 + " ms: "
                        + BLOB_BYTES / 1024 + " KiB pushed and pulled " + GETS + " times"
                        + (trustedCertificate.isPresent() ? " over TLS" : "") + "; " + scratch + " deleted"))
                .mapEmpty();
    }

    private static Future<Void> exercise(Vertx vertx, WorkerExecutor workers, HttpServerOptions serving,
                                         ApiSettings settings, Optional<byte[]> trustedCertificate,
                                         DriverRegistryStorage storage) {
        ApiSettings scratchSettings = new ApiSettings(settings.prefix(), false, false, settings.catalogMaxEntries(),
                Optional.empty(), settings.headers(), settings.maxManifestBytes(), settings.bodyLimits(), false);
        // Metrics of its own, so that the registry's count no warm-up request; closed with the listener.
        RegistryMetrics metrics = new RegistryMetrics();
        Router api = new RegistryApi(storage, scratchSettings, Authorizer.OPEN, workers, metrics, () -> true,
                new BodySlots(settings.bodyLimits()))
                .router(vertx);
        Router root = Router.router(vertx);
        root.route(settings.prefix() + "*").subRouter(api);
        RegistryApi.installErrorHandlers(root);
        // The serving options (TLS engine, protocols, ciphers, chunk sizes), but on a loopback port of its own, and
        // without asking for a client certificate, which the warm-up has none of.
        HttpServerOptions options = new HttpServerOptions(serving).setHost("127.0.0.1").setPort(0)
                .setClientAuth(ClientAuth.NONE).setTrustOptions(null);
        HttpServer server = vertx.createHttpServer(options).requestHandler(root);
        return server.listen().compose(listening -> {
            HttpClientOptions clientOptions = new HttpClientOptions().setDefaultHost("127.0.0.1")
                    .setDefaultPort(listening.actualPort()).setKeepAlive(true);
            trustedCertificate.ifPresent(pem -> {
                // Trusts exactly the certificate this process serves; its name is the registry's, not 127.0.0.1.
                clientOptions.setSsl(true).setVerifyHost(false)
                        .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(pem)));
                if (serving.getSslEngineOptions() instanceof OpenSSLEngineOptions) {
                    clientOptions.setSslEngineOptions(new OpenSSLEngineOptions());
                }
            });
            HttpClient client = vertx.createHttpClient(clientOptions);
            byte[] content = new byte[BLOB_BYTES];
            new SecureRandom().nextBytes(content);
            String digest = "sha256:" + sha256(content);
            String blobs = settings.prefix() + "v2/" + REPOSITORY + "/blobs/";
            Future<Void> steps = expect(client, HttpMethod.POST, blobs + "uploads/?digest=" + digest,
                    Buffer.buffer(content), 201, 0);
            for (int i = 0; i < GETS; i++) {
                steps = steps.compose(v -> expect(client, HttpMethod.GET, blobs + digest, null, 200, BLOB_BYTES));
            }
            return steps.eventually(client::close);
        }).eventually(server::close).andThen(done -> metrics.close());
    }

    /** One request; fails unless it answers {@code status} with {@code length} bytes. */
    private static Future<Void> expect(HttpClient client, HttpMethod method, String uri, Buffer body, int status,
                                       int length) {
        return client.request(method, uri).compose(req -> {
            if (body != null) {
                req.putHeader("Content-Type", "application/octet-stream");
                return req.send(body);
            }
            return req.send();
        }).compose(res -> {
            // Counted, not kept: the warm-up should not leave the heap grown by the blobs it pulled.
            long[] received = {0};
            res.handler(chunk -> received[0] += chunk.length());
            return res.end().compose(v -> res.statusCode() == status && received[0] == length
                    ? Future.succeededFuture()
                    : Future.failedFuture(method + " " + uri + " answered " + res.statusCode() + " with "
                            + received[0] + " bytes"));
        });
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
