package dev.portcullis.registry.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.PasswordAuthentication;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * The conformance suite's only way to talk to a registry: thin wrappers over {@link HttpClient}, digest helpers and
 * the assertions on the spec's error body. One raw-socket exchange exists for requests whose framing is deliberately
 * wrong, which {@link HttpClient} refuses to send.
 */
final class RegistryClient {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The error codes the spec allows ("The code field MUST be one of the following"). */
    static final Set<String> SPEC_ERROR_CODES = Set.of(
            "BLOB_UNKNOWN", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN", "DIGEST_INVALID", "MANIFEST_BLOB_UNKNOWN",
            "MANIFEST_INVALID", "MANIFEST_UNKNOWN", "NAME_INVALID", "NAME_UNKNOWN", "SIZE_INVALID", "UNAUTHORIZED",
            "DENIED", "UNSUPPORTED", "TOOMANYREQUESTS");

    private final URI base;
    private final HttpClient http;
    private final Optional<String> authorization;
    private final Optional<SSLContext> ssl;

    RegistryClient(URI base, Optional<PasswordAuthentication> credentials, Optional<SSLContext> ssl) {
        this.base = base;
        this.ssl = ssl;
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10));
        ssl.ifPresent(b::sslContext);
        this.http = b.build();
        this.authorization = credentials.map(c -> "Basic " + Base64.getEncoder().encodeToString(
                (c.getUserName() + ":" + new String(c.getPassword())).getBytes(StandardCharsets.UTF_8)));
    }

    // ---------------------------------------------------------------- responses

    record Response(String method, URI uri, int status, HttpHeaders headers, byte[] body) {
        Optional<String> header(String name) {
            return headers.firstValue(name);
        }

        String requireHeader(String name) {
            return header(name).orElseGet(() -> fail(describe() + ": missing header " + name));
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                return fail(describe() + ": body is not JSON: " + text(), e);
            }
        }

        String describe() {
            String t = text();
            return method + " " + uri + " -> " + status + (t.isEmpty() ? "" : " " + (t.length() > 300 ? t.substring(0, 300) + "…" : t));
        }

        Response expect(int expected) {
            assertEquals(expected, status, () -> "unexpected status: " + describe());
            return this;
        }
    }

    /** A request's method, path (relative to the base URL, or absolute), headers and body. */
    final class Call {
        private final String method;
        private final URI uri;
        private final List<String[]> headers = new ArrayList<>();
        private BodyPublisher body = BodyPublishers.noBody();

        Call(String method, String pathOrUrl) {
            this.method = method;
            this.uri = resolve(pathOrUrl);
        }

        Call header(String name, String value) {
            headers.add(new String[] {name, value});
            return this;
        }

        Call body(byte[] bytes) {
            body = BodyPublishers.ofByteArray(bytes);
            return this;
        }

        /** A body of unknown length: HttpClient sends it with chunked transfer encoding. */
        Call streamedBody(byte[] bytes) {
            body = BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(bytes));
            return this;
        }

        Response send() {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).method(method, body);
            authorization.ifPresent(a -> b.header("Authorization", a));
            for (String[] h : headers) {
                b.header(h[0], h[1]);
            }
            try {
                HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
                return new Response(method, uri, r.statusCode(), r.headers(), r.body() == null ? new byte[0] : r.body());
            } catch (IOException e) {
                return fail(method + " " + uri + " failed: " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return fail("interrupted", e);
            }
        }
    }

    Call call(String method, String pathOrUrl) {
        return new Call(method, pathOrUrl);
    }

    Response get(String path) {
        return call("GET", path).send();
    }

    Response head(String path) {
        return call("HEAD", path).send();
    }

    Response delete(String path) {
        return call("DELETE", path).send();
    }

    URI resolve(String pathOrUrl) {
        return base.resolve(pathOrUrl);
    }

    /** {@code location} with {@code param} appended as a query parameter, keeping the query the registry put there. */
    static String withQuery(String location, String param) {
        return location + (location.contains("?") ? "&" : "?") + param;
    }

    // ---------------------------------------------------------------- common flows

    /** Starts an upload session and returns its Location, asserting 202 as the spec requires. */
    String startUpload(String repo) {
        Response r = call("POST", "/v2/" + repo + "/blobs/uploads/").send().expect(202);
        return r.requireHeader("Location");
    }

    /** Pushes a blob with POST then PUT (the upload flow every registry must support). */
    Response pushBlob(String repo, Blob blob) {
        String location = startUpload(repo);
        return call("PUT", withQuery(location, "digest=" + blob.digest()))
                .header("Content-Type", "application/octet-stream")
                .body(blob.bytes())
                .send()
                .expect(201);
    }

    Response pushManifest(String repo, String reference, Manifest m) {
        return call("PUT", "/v2/" + repo + "/manifests/" + reference)
                .header("Content-Type", m.mediaType())
                .body(m.bytes())
                .send();
    }

    // ---------------------------------------------------------------- content

    record Blob(byte[] bytes, String digest) {
        static Blob of(byte[] bytes) {
            return new Blob(bytes, sha256(bytes));
        }

        static Blob of(String text) {
            return of(text.getBytes(StandardCharsets.UTF_8));
        }

        int size() {
            return bytes.length;
        }
    }

    record Manifest(String mediaType, byte[] bytes, String digest) {
        static Manifest of(String mediaType, String json) {
            byte[] b = json.getBytes(StandardCharsets.UTF_8);
            return new Manifest(mediaType, b, sha256(b));
        }

        int size() {
            return bytes.length;
        }

        /** A descriptor of this manifest, as used in an index or a subject field. */
        String descriptor() {
            return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + size() + "}";
        }
    }

    static String sha256(byte[] b) {
        return digest("SHA-256", "sha256", b);
    }

    static String sha512(byte[] b) {
        return digest("SHA-512", "sha512", b);
    }

    private static String digest(String jca, String algorithm, byte[] b) {
        try {
            return algorithm + ":" + HexFormat.of().formatHex(MessageDigest.getInstance(jca).digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- error bodies

    /**
     * Asserts the status and that the body is the spec's error document ({@code {"errors":[{"code":...}]}}) containing
     * {@code code}; every code in it must be one the spec defines.
     */
    static void assertError(Response r, int status, String code) {
        assertEquals(status, r.status(), () -> "unexpected status, wanted " + status + " " + code + ": " + r.describe());
        List<String> codes = errorCodes(r);
        assertTrue(codes.contains(code), () -> "error code " + code + " not in " + codes + ": " + r.describe());
    }

    /** Like {@link #assertError} but for conditions where the spec allows one of several statuses. */
    static void assertError(Response r, Set<Integer> statuses, Set<String> acceptableCodes) {
        assertTrue(statuses.contains(r.status()), () -> "status not in " + statuses + ": " + r.describe());
        List<String> codes = errorCodes(r);
        assertTrue(codes.stream().anyMatch(acceptableCodes::contains),
                () -> "none of " + acceptableCodes + " in " + codes + ": " + r.describe());
    }

    /** The codes of a spec error body; fails if the body is not one. */
    static List<String> errorCodes(Response r) {
        return errorCodes(r.json(), r.describe());
    }

    static List<String> errorCodes(JsonNode body, String describe) {
        JsonNode errors = body.get("errors");
        assertNotNull(errors, () -> "no \"errors\" member: " + describe);
        assertTrue(errors.isArray() && errors.size() > 0, () -> "\"errors\" must be a non-empty array: " + describe);
        List<String> codes = new ArrayList<>();
        for (JsonNode e : errors) {
            JsonNode code = e.get("code");
            assertTrue(code != null && code.isTextual(), () -> "error without a string code: " + describe);
            assertTrue(code.asText().matches("[A-Z_]+"), () -> "code must be upper case and underscores: " + describe);
            assertTrue(SPEC_ERROR_CODES.contains(code.asText()),
                    () -> "code " + code.asText() + " is not one the spec defines: " + describe);
            codes.add(code.asText());
        }
        return codes;
    }

    /** A 4xx body MAY be in any format, but if it is JSON it MUST be the spec's error document. */
    static void assertSpecErrorBodyIfJson(Response r) {
        String t = r.text().trim();
        if (t.startsWith("{")) {
            errorCodes(r);
        }
    }

    // ---------------------------------------------------------------- raw exchange

    record RawResponse(int status, String text) {
        boolean success() {
            return status >= 200 && status < 300;
        }
    }

    /**
     * Sends {@code head} (request line and headers, without the final blank line) then {@code body}, closes the sending
     * side, and returns the first response's status (-1 if the server closed or timed out without answering). For
     * framing errors only: {@link HttpClient} checks that a body matches its declared length.
     */
    RawResponse raw(String method, String pathOrUrl, List<String> headers, byte[] body) throws IOException {
        URI u = resolve(pathOrUrl);
        int port = u.getPort() != -1 ? u.getPort() : ("https".equals(u.getScheme()) ? 443 : 80);
        try (Socket s = "https".equals(u.getScheme())
                ? ssl.orElseThrow(() -> new IllegalStateException("https needs an SSLContext")).getSocketFactory().createSocket(u.getHost(), port)
                : new Socket(u.getHost(), port)) {
            s.setSoTimeout(15_000);
            StringBuilder req = new StringBuilder();
            req.append(method).append(' ').append(u.getRawPath()).append(u.getRawQuery() == null ? "" : "?" + u.getRawQuery())
                    .append(" HTTP/1.1\r\nHost: ").append(u.getHost()).append(':').append(port).append("\r\n");
            authorization.ifPresent(a -> req.append("Authorization: ").append(a).append("\r\n"));
            for (String h : headers) {
                req.append(h).append("\r\n");
            }
            req.append("Connection: close\r\n\r\n");
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            if (!(s instanceof javax.net.ssl.SSLSocket)) {
                s.shutdownOutput();
            }
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) != -1; ) {
                    got.write(buf, 0, n);
                }
            } catch (SocketTimeoutException | java.net.SocketException stopped) {
                // keep what arrived
            }
            String text = got.toString(StandardCharsets.ISO_8859_1);
            if (!text.startsWith("HTTP/1.")) {
                return new RawResponse(-1, text);
            }
            return new RawResponse(Integer.parseInt(text.substring(9, 12)), text);
        }
    }

    /**
     * A malformed request must be refused: either the connection is closed without an answer, or the answer is a 4xx
     * whose body, if JSON, is the spec's error document.
     */
    static void assertRefused(RawResponse r) {
        if (r.status() == -1) {
            return;
        }
        assertTrue(r.status() >= 400 && r.status() < 500, () -> "must be refused with a 4xx: " + r.text());
        int start = r.text().indexOf("\r\n\r\n");
        String body = start < 0 ? "" : r.text().substring(start + 4).trim();
        if (body.startsWith("{")) {
            try {
                errorCodes(JSON.readTree(body.substring(0, body.lastIndexOf('}') + 1)), r.text());
            } catch (IOException e) {
                fail("4xx body looks like JSON but is not: " + r.text(), e);
            }
        }
    }

    static void assertNoBody(Response r) {
        assertFalse(r.body().length > 0, () -> "a HEAD response must not have a body: " + r.describe());
    }
}
