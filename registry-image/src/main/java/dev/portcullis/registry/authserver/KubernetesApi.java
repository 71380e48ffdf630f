package dev.portcullis.registry.authserver;

import dev.portcullis.registry.auth.token.PemFiles;
import dev.portcullis.registry.config.ConfigException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The Kubernetes API server as the token issuer needs it: one authenticated JSON POST (a TokenReview). A plain HTTPS
 * call with the pod's ServiceAccount token, trusting only the cluster's CA, instead of a whole Kubernetes client
 * library for one request. The token file is read at every call: projected ServiceAccount tokens are rotated.
 */
final class KubernetesApi {
    static final Path SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** A login is waiting for the answer. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private final URI base;
    private final HttpClient http;
    private final Supplier<String> bearer;

    KubernetesApi(URI base, HttpClient http, Supplier<String> bearer) {
        this.base = base;
        this.http = http;
        this.bearer = bearer;
    }

    /**
     * The API server of the cluster this pod runs in, as in-cluster clients find it: KUBERNETES_SERVICE_HOST/PORT,
     * the ServiceAccount token and the cluster CA under {@code serviceAccount}. The overrides the Fabric8 client
     * honoured before are honoured still (KUBERNETES_MASTER, KUBERNETES_AUTH_SERVICEACCOUNT_TOKEN,
     * KUBERNETES_CERTS_CA_FILE): an issuer configured with them keeps working.
     */
    static KubernetesApi inCluster(Map<String, String> env, Path serviceAccount) {
        String master = env.get("KUBERNETES_MASTER");
        if (master == null || master.isBlank()) {
            String host = env.get("KUBERNETES_SERVICE_HOST");
            if (host == null || host.isBlank()) {
                throw new ConfigException("kubernetes.enabled",
                        "not running in a Kubernetes pod: KUBERNETES_SERVICE_HOST is not set");
            }
            master = "https://" + (host.contains(":") ? "[" + host + "]" : host) + ":"
                    + env.getOrDefault("KUBERNETES_SERVICE_PORT", "443");
        } else if (!master.contains("://")) {
            master = "https://" + master;
        }
        URI base = URI.create(master);
        Path tokenFile = Path.of(env.getOrDefault("KUBERNETES_AUTH_SERVICEACCOUNT_TOKEN", serviceAccount.resolve("token").toString()));
        if (!Files.isReadable(tokenFile)) {
            throw new ConfigException("kubernetes.enabled", "no ServiceAccount token at " + tokenFile
                    + " (automountServiceAccountToken must not be false)");
        }
        HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).version(HttpClient.Version.HTTP_1_1);
        if ("https".equalsIgnoreCase(base.getScheme())) {
            Path caFile = Path.of(env.getOrDefault("KUBERNETES_CERTS_CA_FILE", serviceAccount.resolve("ca.crt").toString()));
            try {
                http.sslContext(trusting(PemFiles.readCertificates(caFile)));
            } catch (IOException | java.security.GeneralSecurityException e) {
                throw new ConfigException("kubernetes.enabled", "the cluster CA " + caFile + ": " + e.getMessage());
            }
        }
        return new KubernetesApi(base, http.build(), () -> {
            try {
                return Files.readString(tokenFile).trim();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static SSLContext trusting(List<X509Certificate> cas) throws java.security.GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        for (int i = 0; i < cas.size(); i++) {
            trust.setCertificateEntry("ca-" + i, cas.get(i));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** POSTs {@code json} to {@code path}; the answer's status and body. The body is never part of an exception. */
    HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path))
                .timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + bearer.get())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
