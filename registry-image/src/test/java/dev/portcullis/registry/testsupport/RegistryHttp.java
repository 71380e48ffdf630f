package dev.portcullis.registry.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.HexFormat;

/** A small HTTP client for protocol tests: raw requests, and the spec's error code out of an error body. */
public final class RegistryHttp {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client;
    private final String base;
    private final String authorization;

    public RegistryHttp(String base) {
        this(base, null, null, null);
    }

    /** Over TLS with {@code ssl}, and Basic credentials when {@code user} is not null. */
    public RegistryHttp(String base, javax.net.ssl.SSLContext ssl, String user, String password) {
        this.base = base;
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1);
        if (ssl != null) {
            b.sslContext(ssl);
        }
        this.client = b.build();
        this.authorization = user == null ? null : "Basic " + java.util.Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The same registry with other credentials (or none). */
    public RegistryHttp as(javax.net.ssl.SSLContext ssl, String user, String password) {
        return new RegistryHttp(base, ssl, user, password);
    }

    public HttpResponse<byte[]> send(String method, String path, byte[] body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    public HttpResponse<byte[]> get(String path, String... headers) throws IOException, InterruptedException {
        return send("GET", path, null, headers);
    }

    public HttpResponse<byte[]> head(String path) throws IOException, InterruptedException {
        return send("HEAD", path, null);
    }

    /** Monolithic upload of {@code content}; returns its digest. */
    public String pushBlob(String repo, byte[] content) throws IOException, InterruptedException {
        String digest = sha256(content);
        HttpResponse<byte[]> r = send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + digest, content,
                "Content-Type", "application/octet-stream");
        if (r.statusCode() != 201) {
            throw new AssertionError("blob push answered " + r.statusCode() + ": " + new String(r.body()));
        }
        return digest;
    }

    public HttpResponse<byte[]> putManifest(String repo, String reference, String mediaType, byte[] manifest)
            throws IOException, InterruptedException {
        return send("PUT", "/v2/" + repo + "/manifests/" + reference, manifest, "Content-Type", mediaType);
    }

    /** Pushes a config and one layer, and an OCI manifest for them under {@code tag}; returns the manifest bytes. */
    public byte[] pushImage(String repo, String tag, byte[] layer) throws IOException, InterruptedException {
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes();
        String configDigest = pushBlob(repo, config);
        String layerDigest = pushBlob(repo, layer);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
                + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
                + "\"digest\":\"" + layerDigest + "\",\"size\":" + layer.length + "}]}").getBytes();
        HttpResponse<byte[]> r = putManifest(repo, tag, "application/vnd.oci.image.manifest.v1+json", manifest);
        if (r.statusCode() != 201) {
            throw new AssertionError("manifest push answered " + r.statusCode() + ": " + new String(r.body()));
        }
        return manifest;
    }

    /** The first error code of a spec error body, or null when the body is not one. */
    public static String errorCode(HttpResponse<byte[]> r) {
        try {
            JsonNode n = JSON.readTree(r.body());
            return n.path("errors").path(0).path("code").asText(null);
        } catch (IOException e) {
            return null;
        }
    }

    public static String sha256(byte[] content) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A monolithic upload ({@code POST ...?digest=}) begun by hand on a socket: its head and the first {@code sendFirst}
     * bytes of {@code content}, so that a test can act (kill, SIGTERM) while the registry streams the rest.
     */
    public static void beginUpload(java.io.OutputStream out, String repo, byte[] content, int sendFirst)
            throws IOException {
        out.write(("POST /v2/" + repo + "/blobs/uploads/?digest=" + sha256(content) + " HTTP/1.1\r\nHost: x\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Length: " + content.length + "\r\n\r\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.write(content, 0, sendFirst);
        out.flush();
    }
}
