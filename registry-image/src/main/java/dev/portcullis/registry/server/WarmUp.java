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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Before the registry reports ready, it pushes a scratch image (a layer, a config, a manifest), pulls it back the way
 * a node does, pulls the layer a few times more and deletes it all, through its own API and TLS stack, so that the
 * first pull after a rollout is not the JIT compiler's training run (a cold 64 MiB TLS GET cost about six times the
 * CPU of a warm one). Everything runs against a throwaway filesystem store in a temporary directory, served by a
 * second listener on a loopback port of its own with no credentials: it never sees the registry's storage, users,
 * metrics or notifications (nothing for the catalog or garbage collection to find), and the directory is removed
 * afterwards. The code paths are the ones real requests take (routing, chunked and monolithic uploads, digest checks,
 * manifest parsing and its JSON, blob and manifest GET and HEAD, ranges, deletes, TLS, the pooled chunk sender), so
 * what the JIT learns applies.
 */
final class WarmUp {
    private static final Logger LOG = Logger.getLogger(WarmUp.class.getName());
    /** Big enough for the file sender's loops to be compiled, small enough to cost a fraction of a second. */
    static final int BLOB_BYTES = 4 * 1024 * 1024;
    static final int GETS = 8;
    private static final String REPOSITORY = "portcullis/warmup";
    private static final String TAG = "warmup";
    private static final String OCTETS = "application/octet-stream";
    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

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
                        + "an image of " + BLOB_BYTES / 1024 + " KiB pushed, its layer pulled " + GETS + " times"
                        + (trustedCertificate.isPresent() ? " over TLS" : "") + ", deleted; " + scratch + " removed"))
                .mapEmpty();
    }

    private static Future<Void> exercise(Vertx vertx, WorkerExecutor workers, HttpServerOptions serving,
                                         ApiSettings settings, Optional<byte[]> trustedCertificate,
                                         DriverRegistryStorage storage) {
        // Deletes allowed: removing the scratch image is one of the paths exercised.
        ApiSettings scratchSettings = new ApiSettings(settings.prefix(), true, false, settings.catalogMaxEntries(),
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
            // Made on a worker: 4 MiB of random bytes and their digest cost seconds of an interpreted event loop.
            return workers.executeBlocking(ScratchImage::make, false)
                    .compose(image -> pushPullDelete(client, settings.prefix() + "v2/" + REPOSITORY, image))
                    .eventually(client::close);
        }).eventually(server::close).andThen(done -> metrics.close());
    }

    /**
     * What clients do, in their order: a push as skopeo and buildah send it (HEAD, then POST, PATCH, PUT for the
     * layer; a monolithic POST for the config; the manifest by tag), a pull as containerd sends it (HEAD and GET of
     * the manifest, by tag and by digest, the config, the layer {@link #GETS} times and a range of it), then the
     * deletes.
     */
    private static Future<Void> pushPullDelete(HttpClient client, String repository, ScratchImage image) {
        byte[] layer = image.layer();
        byte[] config = image.config();
        byte[] manifest = image.manifest();
        String layerDigest = image.layerDigest();
        String configDigest = image.configDigest();
        String manifestDigest = image.manifestDigest();
        String blobs = repository + "/blobs/";
        String manifests = repository + "/manifests/";
        Future<Answer> steps = send(client, HttpMethod.HEAD, blobs + layerDigest, null, null, 404)
                .compose(v -> send(client, HttpMethod.POST, blobs + "uploads/", null, null, 202))
                .compose(started -> send(client, HttpMethod.PATCH, started.location(), OCTETS,
                        Buffer.buffer(layer), 202))
                .compose(patched -> send(client, HttpMethod.PUT, withDigest(patched.location(), layerDigest),
                        OCTETS, null, 201))
                .compose(v -> send(client, HttpMethod.POST, blobs + "uploads/?digest=" + configDigest, OCTETS,
                        Buffer.buffer(config), 201))
                .compose(v -> send(client, HttpMethod.PUT, manifests + TAG, OCI_MANIFEST, Buffer.buffer(manifest),
                        201))
                .compose(v -> send(client, HttpMethod.HEAD, manifests + TAG, null, null, 200))
                .compose(v -> expectBytes(send(client, HttpMethod.GET, manifests + TAG, null, null, 200),
                        manifest.length))
                .compose(v -> expectBytes(send(client, HttpMethod.GET, manifests + manifestDigest, null, null, 200),
                        manifest.length))
                .compose(v -> expectBytes(send(client, HttpMethod.GET, blobs + configDigest, null, null, 200),
                        config.length))
                .compose(v -> send(client, HttpMethod.HEAD, blobs + layerDigest, null, null, 200));
        for (int i = 0; i < GETS; i++) {
            steps = expectBytes(steps.compose(v -> send(client, HttpMethod.GET, blobs + layerDigest, null, null,
                    200)), BLOB_BYTES);
        }
        return expectBytes(steps.compose(v -> send(client, HttpMethod.GET, blobs + layerDigest, null, null, 206,
                        "Range", "bytes=1000-" + (BLOB_BYTES / 2))), BLOB_BYTES / 2 - 1000 + 1)
                .compose(v -> send(client, HttpMethod.DELETE, manifests + manifestDigest, null, null, 202))
                .compose(v -> send(client, HttpMethod.DELETE, blobs + layerDigest, null, null, 202))
                .compose(v -> send(client, HttpMethod.DELETE, blobs + configDigest, null, null, 202))
                .mapEmpty();
    }

    /** The scratch image's bytes and digests. */
    private record ScratchImage(byte[] layer, byte[] config, byte[] manifest, String layerDigest, String configDigest,
                                String manifestDigest) {

        /** Blocks: fills and hashes the layer. Not secret, only unique to this run: no need for SecureRandom. */
        static ScratchImage make() {
            byte[] layer = new byte[BLOB_BYTES];
            ThreadLocalRandom.current().nextBytes(layer);
            byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
                    .getBytes(StandardCharsets.UTF_8);
            String layerDigest = sha256(layer);
            String configDigest = sha256(config);
            byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\","
                    + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
                    + configDigest + "\",\"size\":" + config.length + "},"
                    + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\""
                    + layerDigest + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
            return new ScratchImage(layer, config, manifest, layerDigest, configDigest, sha256(manifest));
        }
    }

    /** The Location header and how many body bytes came (counted, not kept). */
    private record Answer(String location, long bytes) {}

    private static Future<Answer> expectBytes(Future<Answer> answer, long length) {
        return answer.compose(a -> a.bytes() == length ? Future.succeededFuture(a)
                : Future.failedFuture("expected " + length + " bytes, received " + a.bytes()));
    }

    private static String withDigest(String location, String digest) {
        return location + (location.contains("?") ? "&" : "?") + "digest=" + digest;
    }

    /** One request; fails unless it answers {@code status}. {@code header} is an optional name and value. */
    private static Future<Answer> send(HttpClient client, HttpMethod method, String uri, String contentType,
                                       Buffer body, int status, String... header) {
        return client.request(method, uri).compose(req -> {
            if (contentType != null) {
                req.putHeader("Content-Type", contentType);
            }
            if (header.length == 2) {
                req.putHeader(header[0], header[1]);
            }
            return body == null ? req.send() : req.send(body);
        }).compose(res -> {
            // Counted, not kept: the warm-up should not leave the heap grown by the blobs it pulled.
            long[] received = {0};
            res.handler(chunk -> received[0] += chunk.length());
            return res.end().compose(v -> res.statusCode() == status
                    ? Future.succeededFuture(new Answer(res.getHeader("Location"), received[0]))
                    : Future.failedFuture(method + " " + uri + " answered " + res.statusCode()));
        });
    }

    private static String sha256(byte[] content) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
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
