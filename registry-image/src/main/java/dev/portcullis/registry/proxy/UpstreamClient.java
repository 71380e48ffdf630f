package dev.portcullis.registry.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.registry.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The OCI Distribution client the cache pulls with, one per upstream: anonymous, Basic, or Docker Hub's Bearer flow
 * (a 401 challenge names a token realm; the token for each scope is cached until it expires). Bodies are streams:
 * a blob is never held in memory. Redirects (Docker Hub sends blobs to a CDN) are followed by hand so that the
 * upstream's credentials never go to another host.
 */
final class UpstreamClient {
    static final String MANIFEST_ACCEPT = String.join(", ",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.distribution.manifest.v2+json");
    static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Until the response headers: a blob body may take as long as it takes while bytes keep arriving. */
    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_REDIRECTS = 5;
    private static final Duration TOKEN_MARGIN = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final UpstreamSettings settings;
    private final HttpClient http;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    /** Set once the upstream asked for Basic: later requests send it without waiting for the challenge. */
    private volatile boolean basic;

    private record Token(String value, Instant expires) {}

    /** A response whose body the caller must close. */
    record Response(int status, HttpResponse<InputStream> raw) implements AutoCloseable {
        Optional<String> header(String name) {
            return raw.headers().firstValue(name);
        }

        long contentLength() {
            return raw.headers().firstValueAsLong("Content-Length").orElse(-1);
        }

        InputStream body() {
            return raw.body();
        }

        @Override
        public void close() {
            try {
                raw.body().close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }

    UpstreamClient(UpstreamSettings settings) throws IOException {
        this.settings = settings;
        this.http = HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .sslContext(UpstreamTrust.context(settings.caFile()))
                .build();
    }

    String name() {
        return settings.name();
    }

    /** GET or HEAD of a manifest; 2xx only, anything else is an {@link UpstreamException}. */
    Response manifest(String repository, String reference, boolean head) throws IOException {
        return send(head ? "HEAD" : "GET", "/v2/" + repository + "/manifests/" + reference, repository, MANIFEST_ACCEPT);
    }

    Response blob(String repository, Digest digest) throws IOException {
        return send("GET", "/v2/" + repository + "/blobs/" + digest, repository, null);
    }

    Response blobHead(String repository, Digest digest) throws IOException {
        return send("HEAD", "/v2/" + repository + "/blobs/" + digest, repository, null);
    }

    /** The base endpoint answers (200, or 401 asking for credentials): the readiness probe. */
    void ping() throws IOException {
        HttpResponse<Void> r = exchange(HttpRequest.newBuilder(settings.remoteUrl().resolve("/v2/"))
                .timeout(RESPONSE_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() != 200 && r.statusCode() != 401) {
            throw new UpstreamException("upstream " + settings.name() + " (" + settings.remoteUrl() + ") answered "
                    + r.statusCode() + " on /v2/; is it a registry?", r.statusCode(), Optional.empty());
        }
    }

    private Response send(String method, String path, String repository, String accept) throws IOException {
        String scope = "repository:" + repository + ":pull";
        URI uri = settings.remoteUrl().resolve(path);
        HttpResponse<InputStream> r = exchange(request(method, uri, accept, authorization(scope)), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() == 401) {
            Optional<AuthChallenge> challenge = AuthChallenge.parse(r.headers().firstValue("WWW-Authenticate").orElse(null));
            r.body().close();
            if (challenge.isPresent() && challenge.get().bearer()) {
                tokens.remove(scope);
                fetchToken(challenge.get(), scope);
            } else if (challenge.isPresent() && challenge.get().basic() && settings.credentials().isPresent()) {
                basic = true;
            } else {
                throw refused(401, r);
            }
            r = exchange(request(method, uri, accept, authorization(scope)), HttpResponse.BodyHandlers.ofInputStream());
        }
        for (int hops = 0; isRedirect(r.statusCode()); hops++) {
            Optional<String> location = r.headers().firstValue("Location");
            r.body().close();
            if (location.isEmpty() || hops == MAX_REDIRECTS) {
                throw new UpstreamException("upstream " + settings.name() + " redirected " + path + " without end",
                        r.statusCode(), Optional.empty());
            }
            URI next = r.uri().resolve(location.get());
            // A CDN gets no credentials: they are the upstream's.
            Optional<String> auth = sameOrigin(next, settings.remoteUrl()) ? authorization(scope) : Optional.empty();
            r = exchange(request(method, next, accept, auth), HttpResponse.BodyHandlers.ofInputStream());
        }
        if (r.statusCode() / 100 != 2) {
            r.body().close();
            throw refused(r.statusCode(), r);
        }
        return new Response(r.statusCode(), r);
    }

    private UpstreamException refused(int status, HttpResponse<?> r) {
        String what = switch (status) {
            case 401, 403 -> "refused the cache's credentials" + (settings.credentials().isEmpty() ? " (none configured)" : "");
            case 404 -> "does not have it";
            case 429 -> "is rate limiting the cache";
            default -> "failed";
        };
        return new UpstreamException("upstream " + settings.name() + " " + what + " (HTTP " + status + ")", status,
                r.headers().firstValue("Retry-After"));
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI u) {
        return u.getPort() != -1 ? u.getPort() : u.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    private HttpRequest request(String method, URI uri, String accept, Optional<String> authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(RESPONSE_TIMEOUT)
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (accept != null) {
            b.header("Accept", accept);
        }
        authorization.ifPresent(a -> b.header("Authorization", a));
        return b.build();
    }

    private Optional<String> authorization(String scope) {
        Token t = tokens.get(scope);
        if (t != null && Instant.now().isBefore(t.expires())) {
            return Optional.of("Bearer " + t.value());
        }
        if (basic) {
            return settings.credentials().map(UpstreamClient::basicHeader);
        }
        return Optional.empty();
    }

    private static String basicHeader(UpstreamSettings.Credentials c) {
        return "Basic " + Base64.getEncoder().encodeToString((c.username() + ":" + c.password())
                .getBytes(StandardCharsets.UTF_8));
    }

    /** Docker's token flow: GET realm?service=...&scope=..., with the credentials as Basic when there are any. */
    private void fetchToken(AuthChallenge challenge, String scope) throws IOException {
        String realm = challenge.params().get("realm");
        if (realm == null) {
            throw new UpstreamException("upstream " + settings.name() + " asked for a token without a realm", 401, Optional.empty());
        }
        StringBuilder q = new StringBuilder();
        Optional.ofNullable(challenge.params().get("service")).ifPresent(s -> q.append("service=").append(encode(s)));
        // The challenge's scope, when given, is what the upstream wants; ours is the same pull scope otherwise.
        String wanted = challenge.params().getOrDefault("scope", scope);
        q.append(q.length() == 0 ? "" : "&").append("scope=").append(encode(wanted));
        URI uri;
        try {
            uri = URI.create(realm + (realm.contains("?") ? "&" : "?") + q);
        } catch (IllegalArgumentException bad) {
            throw new UpstreamException("upstream " + settings.name() + " named an invalid token realm", 401, Optional.empty());
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(RESPONSE_TIMEOUT).GET();
        settings.credentials().ifPresent(c -> b.header("Authorization", basicHeader(c)));
        HttpResponse<byte[]> r = exchange(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new UpstreamException("the token service of upstream " + settings.name() + " refused the cache"
                    + (settings.credentials().isEmpty() ? " (no credentials configured)" : "'s credentials")
                    + " (HTTP " + r.statusCode() + ")", r.statusCode() == 429 ? 429 : 401, r.headers().firstValue("Retry-After"));
        }
        JsonNode json;
        try {
            json = JSON.readTree(r.body());
        } catch (IOException notJson) {
            throw new UpstreamException("the token service of upstream " + settings.name() + " answered no JSON", 502, Optional.empty());
        }
        String token = json.path("token").asText(json.path("access_token").asText(""));
        if (token.isEmpty()) {
            throw new UpstreamException("the token service of upstream " + settings.name() + " answered no token", 502, Optional.empty());
        }
        // Docker's default lifetime is 60 s when the service does not say.
        long seconds = Math.max(json.path("expires_in").asLong(60), 1);
        Instant expires = Instant.now().plusSeconds(seconds).minus(TOKEN_MARGIN);
        tokens.put(scope, new Token(token, expires));
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private <T> HttpResponse<T> exchange(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return http.send(request, handler);
        } catch (HttpTimeoutException e) {
            throw new UpstreamException("upstream " + settings.name() + " timed out (" + request.uri().getHost() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpstreamException("interrupted while asking upstream " + settings.name(), e);
        } catch (IOException e) {
            String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (e instanceof java.net.ConnectException || e.getCause() instanceof java.nio.channels.UnresolvedAddressException) {
                detail = "cannot connect to " + request.uri().getHost() + ":" + port(request.uri());
            }
            throw new UpstreamException("upstream " + settings.name() + " unreachable: " + detail.replace("\n", " "), e);
        }
    }
}
