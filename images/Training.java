import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The client of the registry image's training run (images/build-image.sh): the registry runs from the image's own
 * files with -XX:ArchiveClassesAtExit while this drives what a cluster does with it over TLS and basic auth, so the
 * class-data archive holds the classes of serving, not only those of starting. Run by the build machine's JDK.
 *
 * <pre>
 *   java Training.java port                              a free loopback port
 *   java -cp REGISTRY.jar Training.java htpasswd USER    a bcrypt cost-10 line for USER, password on stdin
 *   java Training.java run URL CA.pem USER DEBUG-URL     pushes, pulls, probes and a scrape; password on stdin
 * </pre>
 *
 * Every answer is checked: a registry that fails here fails the image build, with the request that failed.
 */
public final class Training {
    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    private static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";

    private final HttpClient http;
    // containerd and Docker speak HTTP/2 when TLS offers it, skopeo and curl too: the second round uses it.
    private final HttpClient http2;
    private final String base;
    private final String authorization;
    // Fixed seed: the same blobs every build, so the run does the same work each time.
    private final Random random = new Random(17);
    private volatile int round;

    private Training(HttpClient http, HttpClient http2, String base, String authorization) {
        this.http = http;
        this.http2 = http2;
        this.base = base;
        this.authorization = authorization;
    }

    public static void main(String[] args) throws Exception {
        switch (args.length == 0 ? "" : args[0]) {
            case "port" -> {
                try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                    System.out.println(s.getLocalPort());
                }
            }
            case "htpasswd" -> {
                // Reflection: this file compiles without the registry's jar, which only this mode needs.
                Class<?> bcrypt = Class.forName("org.mindrot.jbcrypt.BCrypt");
                String salt = (String) bcrypt.getMethod("gensalt", int.class).invoke(null, 10);
                String hash = (String) bcrypt.getMethod("hashpw", String.class, String.class)
                        .invoke(null, password(), salt);
                System.out.println(args[1] + ":" + hash);
            }
            case "run" -> {
                SSLContext tls = SSLContext.getInstance("TLS");
                KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
                trust.load(null, null);
                try (var in = Files.newInputStream(Path.of(args[2]))) {
                    trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
                tls.init(null, tmf.getTrustManagers(), null);
                HttpClient http = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(10)).build();
                HttpClient http2 = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_2)
                        .connectTimeout(Duration.ofSeconds(10)).build();
                String basic = "Basic " + Base64.getEncoder()
                        .encodeToString((args[3] + ":" + password()).getBytes(StandardCharsets.UTF_8));
                Training training = new Training(http, http2, args[1], basic);
                training.awaitStart(Duration.ofMinutes(3));
                training.run();
                training.probe(args[4]);
            }
            default -> {
                System.err.println("usage: Training.java port | htpasswd USER | run URL CA.pem USER DEBUG-URL (password on stdin)");
                System.exit(2);
            }
        }
    }

    private static String password() throws java.io.IOException {
        return new String(System.in.readAllBytes(), StandardCharsets.UTF_8).strip();
    }

    /** Until the registry answers {@code /v2/}; a JVM starting under the build's load may take a while. */
    private void awaitStart(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            try {
                http.send(request("/v2/").GET().build(), HttpResponse.BodyHandlers.discarding());
                return;
            } catch (java.io.IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the registry did not answer " + base + "/v2/ within " + limit, e);
                }
                Thread.sleep(100);
            }
        }
    }

    /** What the kubelet and Prometheus ask of the debug listener all day long. */
    private void probe(String debug) {
        for (String path : List.of("/livez", "/readyz", "/metrics")) {
            expect(send(HttpRequest.newBuilder(URI.create(debug + path)).timeout(Duration.ofSeconds(60)).GET().build()),
                    200);
        }
    }

    private void run() throws Exception {
        expect(send(request("/v2/").GET().header("Authorization", "Basic " + Base64.getEncoder()
                .encodeToString("nobody:wrong".getBytes(StandardCharsets.UTF_8))).build()), 401);
        expect(send(authorized("/v2/").GET().build()), 200);
        // Three repositories pushed side by side (several connections, so several event loops serve), then pulled
        // the same way, twice: the second round is served by what the first one loaded.
        for (round = 0; round < 2; round++) {
            List<CompletableFuture<Void>> pushes = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                String repo = "training/app" + r;
                byte[] layer = bytes(r == 0 ? 24 << 20 : 3 << 20);
                byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"round\":" + round + "}")
                        .getBytes(StandardCharsets.UTF_8);
                boolean chunked = r % 2 == 1;
                String tag = "v" + round;
                pushes.add(CompletableFuture.runAsync(() -> push(repo, tag, config, layer, chunked)));
            }
            CompletableFuture.allOf(pushes.toArray(CompletableFuture[]::new)).join();
            List<CompletableFuture<Void>> pulls = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                String repo = "training/app" + r;
                String tag = "v" + round;
                pulls.add(CompletableFuture.runAsync(() -> pull(repo, tag)));
            }
            CompletableFuture.allOf(pulls.toArray(CompletableFuture[]::new)).join();
        }
        // A blob mounted across repositories, an index, the listings and what a client gets wrong.
        String mounted = pushBlobMonolithic("training/app0", bytes(1 << 20));
        expect(send(authorized("/v2/training/copy/blobs/uploads/?mount=" + mounted + "&from=training/app0")
                .POST(HttpRequest.BodyPublishers.noBody()).build()), 201);
        String manifest = new String(expect(send(authorized("/v2/training/app0/manifests/v0")
                .header("Accept", OCI_MANIFEST).GET().build()), 200).body(), StandardCharsets.UTF_8);
        String index = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_INDEX + "\",\"manifests\":[{\"mediaType\":\""
                + OCI_MANIFEST + "\",\"digest\":\"" + digest(manifest.getBytes(StandardCharsets.UTF_8)) + "\",\"size\":"
                + manifest.getBytes(StandardCharsets.UTF_8).length
                + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}";
        expect(send(authorized("/v2/training/app0/manifests/multi").header("Content-Type", OCI_INDEX)
                .PUT(HttpRequest.BodyPublishers.ofString(index)).build()), 201);
        expect(send(authorized("/v2/training/app0/manifests/multi").header("Accept", OCI_INDEX).GET().build()), 200);
        expect(send(authorized("/v2/training/app0/tags/list").GET().build()), 200);
        expect(send(authorized("/v2/_catalog?n=10").GET().build()), 200);
        expect(send(authorized("/v2/training/app0/manifests/missing").GET().build()), 404);
        expect(send(authorized("/v2/training/app0/blobs/sha256:" + "0".repeat(64)).GET().build()), 404);
        expect(send(authorized("/v2/training/app0/manifests/bad").header("Content-Type", OCI_MANIFEST)
                .PUT(HttpRequest.BodyPublishers.ofString("{not json")).build()), 400);
    }

    private void push(String repo, String tag, byte[] config, byte[] layer, boolean chunked) {
        String configDigest = pushBlobMonolithic(repo, config);
        String layerDigest = chunked ? pushBlobChunked(repo, layer) : pushBlobMonolithic(repo, layer);
        // Pushed again: a client that checks first sees it there.
        expect(send(authorized("/v2/" + repo + "/blobs/" + layerDigest)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build()), 200);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest + "\",\"size\":"
                + config.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
                + "\"digest\":\"" + layerDigest + "\",\"size\":" + layer.length + "}]}";
        expect(send(authorized("/v2/" + repo + "/manifests/" + tag).header("Content-Type", OCI_MANIFEST)
                .PUT(HttpRequest.BodyPublishers.ofString(manifest)).build()), 201);
    }

    private void pull(String repo, String tag) {
        expect(send(authorized("/v2/" + repo + "/manifests/" + tag).header("Accept", OCI_MANIFEST)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build()), 200);
        String manifest = new String(expect(send(authorized("/v2/" + repo + "/manifests/" + tag)
                .header("Accept", OCI_MANIFEST).GET().build()), 200).body(), StandardCharsets.UTF_8);
        var digests = java.util.regex.Pattern.compile("sha256:[0-9a-f]{64}").matcher(manifest);
        while (digests.find()) {
            String d = digests.group();
            byte[] blob = expect(send(authorized("/v2/" + repo + "/blobs/" + d).GET().build()), 200).body();
            if (!digest(blob).equals(d)) {
                throw new IllegalStateException("GET " + repo + " blob " + d + " answered other bytes");
            }
            // What a resumed download asks for.
            expect(send(authorized("/v2/" + repo + "/blobs/" + d).header("Range", "bytes=0-9").GET().build()), 206);
        }
    }

    private String pushBlobMonolithic(String repo, byte[] blob) {
        String d = digest(blob);
        String location = startUpload(repo);
        expect(send(authorizedAt(location + (location.contains("?") ? "&" : "?") + "digest=" + d)
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(blob)).build()), 201);
        return d;
    }

    private String pushBlobChunked(String repo, byte[] blob) {
        String location = startUpload(repo);
        int chunk = 1 << 20;
        for (int from = 0; from < blob.length; from += chunk) {
            int to = Math.min(blob.length, from + chunk);
            HttpResponse<byte[]> r = expect(send(authorizedAt(location)
                    .header("Content-Type", "application/octet-stream")
                    .header("Content-Range", from + "-" + (to - 1))
                    .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(blob, from, to - from)).build()), 202);
            location = r.headers().firstValue("Location").orElseThrow();
        }
        String d = digest(blob);
        expect(send(authorizedAt(location + (location.contains("?") ? "&" : "?") + "digest=" + d)
                .PUT(HttpRequest.BodyPublishers.noBody()).build()), 201);
        return d;
    }

    private String startUpload(String repo) {
        return expect(send(authorized("/v2/" + repo + "/blobs/uploads/").POST(HttpRequest.BodyPublishers.noBody())
                .build()), 202).headers().firstValue("Location").orElseThrow();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
    }

    private HttpRequest.Builder authorized(String path) {
        return request(path).header("Authorization", authorization);
    }

    private HttpRequest.Builder authorizedAt(String location) {
        URI uri = URI.create(base).resolve(location);
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).header("Authorization", authorization);
    }

    private HttpResponse<byte[]> send(HttpRequest request) {
        try {
            return (round == 1 ? http2 : http).send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (Exception e) {
            throw new IllegalStateException(request.method() + " " + request.uri() + ": " + e, e);
        }
    }

    private static HttpResponse<byte[]> expect(HttpResponse<byte[]> response, int status) {
        if (response.statusCode() != status) {
            String body = new String(response.body(), StandardCharsets.UTF_8);
            throw new IllegalStateException(response.request().method() + " " + response.request().uri()
                    + " answered " + response.statusCode() + " (expected " + status + "): "
                    + body.substring(0, Math.min(300, body.length())));
        }
        return response;
    }

    private byte[] bytes(int size) {
        byte[] b = new byte[size];
        random.nextBytes(b);
        return b;
    }

    private static String digest(byte[] data) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
