package dev.portcullis.registry.notify;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

/** Blob pushes over plain HTTP (one monolithic POST each, so one event each), and a metrics scrape. */
final class RegistryPushes {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private RegistryPushes() {}

    /** Pushes a blob of random bytes into {@code repo}; returns its digest. */
    static String pushBlob(String registryUrl, String repo, int size, long seed) throws Exception {
        byte[] content = new byte[size];
        new Random(seed).nextBytes(content);
        String digest = "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                        URI.create(registryUrl + "/v2/" + repo + "/blobs/uploads/?digest=" + digest))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(content)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IOException("push of " + digest + " answered " + r.statusCode() + ": " + r.body());
        }
        return digest;
    }

    /** The value of one Prometheus sample line, such as {@code registry_notifications_dropped_total{endpoint="a"}}. */
    static double metric(int debugPort, String sample) throws Exception {
        String text = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + debugPort + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        for (String line : text.lines().toList()) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).trim());
            }
        }
        throw new AssertionError("no sample " + sample + " in the metrics:\n" + text.lines()
                .filter(l -> l.contains("notifications")).toList());
    }
}
