package dev.portcullis.registry.authserver;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import dev.portcullis.registry.auth.token.PemFiles;
import dev.portcullis.registry.auth.token.TokenAlgorithms;
import dev.portcullis.registry.server.EventLoopListeners;
import dev.portcullis.registry.tls.PemKeys;
import dev.portcullis.registry.tls.SingleCertificateKeyManager;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The running auth-server: wires the configuration into an HTTP(S) server on Vert.x. Routes:
 * {@code GET|POST /auth} (tokens), {@code GET /certs.pem} (the certificates to give registries as
 * {@code rootcertbundle}), {@code GET /.well-known/jwks.json} (the same keys for Distribution 3's {@code jwks}),
 * {@code GET /healthz}. Password checks and TokenReviews block, so they run on Vert.x worker threads.
 * A timer re-reads the users file, the TLS certificate/key and the token signing certificate/key and applies them
 * when their contents change.
 */
public final class AuthServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AuthServer.class.getName());
    private static final int MAX_BODY = 16 * 1024;

    private final AuthServerConfig config;
    private final Vertx vertx;
    private final EventLoopListeners server;
    private final UserStore users;
    private final TokenIssuer issuer;
    private final List<X509Certificate> trusted;
    private final AtomicReference<Published> published;
    private final List<AutoCloseable> backends;
    private final IssuerMetrics metrics;
    private io.vertx.core.http.HttpServer metricsServer;
    private byte[] usersFileDigest;
    private byte[] tlsDigest;
    private byte[] signingDigest;

    /** What {@code /certs.pem} and {@code /.well-known/jwks.json} serve; replaced when the signing key is renewed. */
    private record Published(String certsPem, String jwks) {
    }

    private AuthServer(AuthServerConfig config, Vertx vertx, EventLoopListeners server, UserStore users,
                       TokenIssuer issuer, List<X509Certificate> trusted, AtomicReference<Published> published,
                       List<AutoCloseable> backends, IssuerMetrics metrics,
                       byte[] usersFileDigest, byte[] tlsDigest, byte[] signingDigest) {
        this.backends = backends;
        this.metrics = metrics;
        this.config = config;
        this.vertx = vertx;
        this.server = server;
        this.users = users;
        this.issuer = issuer;
        this.trusted = trusted;
        this.published = published;
        this.usersFileDigest = usersFileDigest;
        this.tlsDigest = tlsDigest;
        this.signingDigest = signingDigest;
    }

    /** Starts with the in-cluster API server (when {@code kubernetes.enabled}) and the system clock. */
    public static AuthServer start(AuthServerConfig config) throws ConfigException, IOException {
        return start(config, null, Clock.systemUTC());
    }

    /**
     * Starts the server. {@code kubernetes} replaces the in-cluster API server (tests pass a mock server's);
     * {@code clock} dates tokens. File problems are reported as ConfigException naming the key.
     */
    static AuthServer start(AuthServerConfig config, KubernetesApi kubernetes, Clock clock)
            throws ConfigException, IOException {
        AuthServerConfig.Token t = config.token();
        byte[] signingCert = read(t.certificate(), "token.certificate");
        byte[] signingPrivate = read(t.key(), "token.key");
        SigningKey signingKey = signingKey(t, signingCert, signingPrivate);
        List<X509Certificate> trusted = new ArrayList<>();
        for (int i = 0; i < t.trustedCertificates().size(); i++) {
            trusted.addAll(readCerts(t.trustedCertificates().get(i), "token.trusted_certificates[" + i + "]"));
        }
        Map<String, String> initialUsers = new LinkedHashMap<>(config.users());
        Map<String, Map<String, List<String>>> initialLabels = new LinkedHashMap<>(config.userLabels());
        byte[] usersDigest = null;
        if (config.usersFile() != null) {
            byte[] content = read(config.usersFile(), "users_file");
            usersDigest = sha256(content);
            mergeUsersFile(new String(content, java.nio.charset.StandardCharsets.UTF_8), initialUsers, initialLabels);
        }
        UserStore users = new UserStore(initialUsers, initialLabels);

        List<SignedTokenBackend> signedTokens = new ArrayList<>();
        if (config.kubernetes().enabled()) {
            KubernetesApi api = kubernetes != null ? kubernetes
                    : KubernetesApi.inCluster(System.getenv(), KubernetesApi.SERVICE_ACCOUNT);
            signedTokens.add(new KubernetesAuthenticator(api, config.kubernetes().audiences(), config.kubernetes().namespaces()));
        }
        IssuerMetrics metrics = new IssuerMetrics();
        List<LoginBackend> logins = new ArrayList<>();
        List<AccessBackend> accessBackends = new ArrayList<>();
        accessBackends.add(new Acl(config.acl()));
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            for (BackendSettings b : config.backends()) {
                if (b instanceof BackendSettings.Login l) {
                    LoginBackend backend = l.start();
                    opened.add(backend);
                    logins.add(backend);
                } else if (b instanceof BackendSettings.Access a) {
                    AccessBackend backend = a.start();
                    opened.add(backend);
                    accessBackends.add(backend);
                } else if (b instanceof BackendSettings.SignedToken st) {
                    SignedTokenBackend backend = st.start();
                    opened.add(backend);
                    signedTokens.add(backend);
                }
            }
        } catch (ConfigException | RuntimeException e) {
            closeAll(opened);
            throw e;
        }
        AuthServerConfig.Throttle th = config.throttle();
        Authenticator authenticator = new Authenticator(users, signedTokens, new LoginThrottle(th.maxFailures(), th.maxAccountFailures(), th.window(),
                th.lockout(), clock), logins, metrics);
        TokenIssuer issuer = new TokenIssuer(t.issuer(), t.expiration(), t.refreshExpiration(), signingKey, t.x5c(), trusted, t.kidFormat(), clock);
        TokenEndpoint endpoint = new TokenEndpoint(t.service(), t.issuer(), authenticator,
                new AccessChain(accessBackends, metrics), issuer, metrics);

        AtomicReference<Published> published = new AtomicReference<>(publish(issuer, trusted));

        int eventLoops = EventLoopListeners.defaultCount();
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops));
        Router router = Router.router(vertx);
        router.get("/healthz").handler(ctx -> ctx.response().putHeader("Content-Type", "text/plain").end("ok\n"));
        router.get("/certs.pem").handler(ctx -> ctx.response().putHeader("Content-Type", "application/x-pem-file")
                .end(published.get().certsPem()));
        router.get("/.well-known/jwks.json").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json")
                .end(published.get().jwks()));
        for (LoginBackend login : logins) {
            if (login instanceof BrowserLoginBackend browser) {
                BrowserLoginRoutes.mount(vertx, router, browser);
            }
        }
        router.get("/auth").handler(ctx -> answer(vertx, ctx, () -> endpoint.get(request(ctx, ctx.request().params()))));
        router.post("/auth").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY))
                .handler(ctx -> answer(vertx, ctx, () -> endpoint.post(request(ctx, ctx.request().formAttributes()))));

        AuthServerConfig.Server s = config.server();
        // Token requests are small and quick: a connection silent for idle_timeout (a body that never comes, a
        // forgotten keep-alive) is closed rather than held for ever. Bodies are read on the event loop by BodyHandler,
        // so a stalled one holds no worker thread meanwhile.
        // No h2c upgrade on plain HTTP (Vert.x's default would answer one): docker_auth speaks HTTP/1.1 there.
        HttpServerOptions options = new HttpServerOptions().setHost(s.host()).setPort(s.port())
                .setIdleTimeout((int) s.idleTimeout().toMillis()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setHttp2ClearTextEnabled(false);
        byte[] tlsDigest = null;
        if (s.tls()) {
            byte[] cert = read(s.certificate(), "server.certificate");
            byte[] key = read(s.key(), "server.key");
            tlsDigest = digest(cert, key);
            KeyCertOptions keyCert;
            try {
                keyCert = keyCertOptions(cert, key);
            } catch (IOException e) {
                throw new ConfigException("server.key", s.certificate() + " and " + s.key() + ": " + e.getMessage());
            }
            options.setSsl(true)
                    .setKeyCertOptions(keyCert)
                    .setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3"));
        }
        // TLS handshakes are the issuer's CPU work on the event loop: one listener per loop spreads them over the cores.
        EventLoopListeners http;
        try {
            http = EventLoopListeners.listen(vertx, eventLoops, options, router)
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException | InterruptedException e) {
            vertx.close();
            closeAll(opened);
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new ConfigException("server.addr", "cannot listen on " + s.host() + ":" + s.port() + ": " + cause.getMessage());
        }
        AuthServer running = new AuthServer(config, vertx, http, users, issuer, List.copyOf(trusted), published,
                List.copyOf(opened), metrics, usersDigest, tlsDigest, digest(signingCert, signingPrivate));
        if (config.metrics() != null) {
            running.serveMetrics(config.metrics());
        }
        long every = Math.max(100, s.reloadInterval().toMillis());
        vertx.setPeriodic(every, id -> vertx.executeBlocking(() -> {
            running.reloadIfChanged();
            return null;
        }));
        LOG.log(System.Logger.Level.INFO, "auth-server listening on {0}:{1} ({2}), issuer={3}, service={4}, kid={5}, users={6}, backends={7}",
                s.host(), Integer.toString(http.actualPort()), s.tls() ? "https" : "http", t.issuer(),
                t.service() == null ? "(any, as requested)" : t.service(), signingKey.keyId, users.size(),
                config.backends().isEmpty() ? "(none)" : String.join(",", config.backends().stream().map(BackendSettings::section).toList()));
        return running;
    }

    public int port() {
        return server.actualPort();
    }

    /** The port of {@code metrics.addr}'s listener, or -1 when there is none. */
    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.actualPort();
    }

    IssuerMetrics metrics() {
        return metrics;
    }

    /** {@code GET /metrics} on its own plain-HTTP listener, so scrapes need neither TLS nor a route on the public port. */
    private void serveMetrics(AuthServerConfig.Metrics m) throws ConfigException {
        Router router = Router.router(vertx);
        router.get("/metrics").handler(ctx -> vertx.executeBlocking(metrics::scrape, false).onComplete(ar -> {
            if (ar.succeeded()) {
                ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(ar.result());
            } else {
                ctx.response().setStatusCode(500).end();
            }
        }));
        try {
            metricsServer = vertx.createHttpServer(new HttpServerOptions().setHost(m.host()).setPort(m.port())
                            .setHttp2ClearTextEnabled(false))
                    .requestHandler(router).listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException | InterruptedException e) {
            close();
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new ConfigException("metrics.addr", "cannot listen on " + m.host() + ":" + m.port() + ": " + cause.getMessage());
        }
    }

    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "closing: " + e);
        }
        closeAll(backends);
    }

    private static void closeAll(List<AutoCloseable> opened) {
        for (AutoCloseable c : opened) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "closing a backend: " + e.getMessage());
            }
        }
    }

    /**
     * Re-applies the users file, the TLS files and the token signing key when their bytes changed; a broken new file
     * keeps the old.
     */
    synchronized void reloadIfChanged() {
        if (config.usersFile() != null) {
            try {
                byte[] content = Files.readAllBytes(config.usersFile());
                byte[] d = sha256(content);
                if (!Arrays.equals(d, usersFileDigest)) {
                    // Remembered before parsing: a broken file is reported once, not at every tick.
                    usersFileDigest = d;
                    Map<String, String> merged = new LinkedHashMap<>(config.users());
                    Map<String, Map<String, List<String>>> labels = new LinkedHashMap<>(config.userLabels());
                    mergeUsersFile(new String(content, java.nio.charset.StandardCharsets.UTF_8), merged, labels);
                    users.replace(merged, labels);
                    LOG.log(System.Logger.Level.INFO, "users file reloaded: {0} users", merged.size());
                }
            } catch (IOException | ConfigException e) {
                LOG.log(System.Logger.Level.WARNING, "users file not reloaded, keeping the previous users: " + e.getMessage());
            }
        }
        AuthServerConfig.Server s = config.server();
        if (s.tls()) {
            try {
                byte[] cert = Files.readAllBytes(s.certificate());
                byte[] key = Files.readAllBytes(s.key());
                byte[] d = digest(cert, key);
                if (!Arrays.equals(d, tlsDigest)) {
                    // Remembered first: a half-written pair fails once and is retried when the files change again.
                    tlsDigest = d;
                    // Values rather than paths: options that differ are what makes Vert.x rebuild its SSL context.
                    server.server().updateSSLOptions(new ServerSSLOptions().setKeyCertOptions(keyCertOptions(cert, key))
                                    .setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3")), true)
                            .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                    LOG.log(System.Logger.Level.INFO, "TLS certificate reloaded");
                }
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "TLS certificate not reloaded, keeping the previous one: " + e.getMessage());
            }
        }
        reloadSigningKey();
    }

    /**
     * cert-manager renews the signing certificate by rewriting its Secret: tokens are signed with the new key from the
     * next request on, and refresh tokens signed with the old one stay valid (see {@link TokenIssuer#useSigningKey}).
     */
    private void reloadSigningKey() {
        AuthServerConfig.Token t = config.token();
        try {
            byte[] cert = Files.readAllBytes(t.certificate());
            byte[] key = Files.readAllBytes(t.key());
            byte[] d = digest(cert, key);
            if (Arrays.equals(d, signingDigest)) {
                return;
            }
            // Remembered first: a certificate beside the old key fails once and is retried when the key arrives.
            signingDigest = d;
            SigningKey next = signingKey(t, cert, key);
            issuer.useSigningKey(next);
            published.set(publish(issuer, trusted));
            X509Certificate leaf = next.chain.get(0);
            LOG.log(System.Logger.Level.INFO, "token signing key reloaded: kid={0}, serial {1}, valid until {2}",
                    next.keyId, leaf.getSerialNumber().toString(16), leaf.getNotAfter().toInstant());
        } catch (IOException | ConfigException e) {
            LOG.log(System.Logger.Level.WARNING, "token signing key not reloaded, keeping the previous one: " + e.getMessage());
        }
    }

    /** The users file's entries win over the inline ones, labels included: a user's entry is replaced whole. */
    private static void mergeUsersFile(String content, Map<String, String> users, Map<String, Map<String, List<String>>> labels)
            throws ConfigException {
        Map<String, String> fromFile = UsersFile.parse(content, "users_file");
        users.putAll(fromFile);
        labels.keySet().removeAll(fromFile.keySet());
        labels.putAll(UsersFile.parseLabels(content, "users_file"));
    }

    private static Published publish(TokenIssuer issuer, List<X509Certificate> trusted) throws ConfigException {
        List<X509Certificate> certs = new ArrayList<>();
        certs.add(issuer.signingKey().chain.get(0));
        certs.addAll(trusted);
        return new Published(pem(certs), jwks(issuer.trustedKeys()));
    }

    private interface ReplySupplier {
        TokenEndpoint.Reply get();
    }

    private static void answer(Vertx vertx, RoutingContext ctx, ReplySupplier work) {
        vertx.executeBlocking(work::get, false).onComplete(ar -> {
            TokenEndpoint.Reply reply = ar.succeeded() ? ar.result()
                    : new TokenEndpoint.Reply(500, Map.of(), Map.of("errors", List.of(Map.of("code", "INTERNAL", "message", "internal error"))));
            if (ar.failed()) {
                LOG.log(System.Logger.Level.ERROR, "token request failed: " + ar.cause());
            }
            var resp = ctx.response().setStatusCode(reply.status()).putHeader("Content-Type", "application/json");
            reply.headers().forEach(resp::putHeader);
            resp.end(new JsonObject(reply.body()).encode());
        });
    }

    private static TokenEndpoint.Request request(RoutingContext ctx, MultiMap params) {
        Map<String, List<String>> p = new LinkedHashMap<>();
        for (String name : params.names()) {
            p.put(name, params.getAll(name));
        }
        return new TokenEndpoint.Request(p, ctx.request().getHeader("Authorization"), ctx.request().remoteAddress().hostAddress());
    }

    private static SigningKey signingKey(AuthServerConfig.Token t, byte[] cert, byte[] key) throws ConfigException {
        List<X509Certificate> chain;
        try {
            chain = PemFiles.parseCertificates(new String(cert, java.nio.charset.StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new ConfigException("token.certificate", t.certificate() + ": " + e.getMessage());
        }
        PrivateKey privateKey;
        try {
            privateKey = PemFiles.parsePrivateKey(new String(key, java.nio.charset.StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new ConfigException("token.key", t.key() + ": " + e.getMessage());
        }
        try {
            TokenAlgorithms.forKey(chain.get(0).getPublicKey());
            return new SigningKey(privateKey, chain, t.kidFormat());
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new ConfigException("token.key", e.getMessage());
        }
    }

    private static List<X509Certificate> readCerts(Path p, String key) throws ConfigException {
        try {
            return PemFiles.readCertificates(p);
        } catch (IOException e) {
            throw new ConfigException(key, p + ": " + e.getMessage());
        }
    }

    private static byte[] read(Path p, String key) throws ConfigException {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new ConfigException(key, "cannot read " + p + ": " + e.getMessage());
        }
    }

    /** The key and chain as they are, without the PBKDF2-protected KeyStore PemKeyCertOptions would build. */
    private static KeyCertOptions keyCertOptions(byte[] cert, byte[] key) throws IOException {
        List<X509Certificate> chain = PemFiles.parseCertificates(new String(cert, java.nio.charset.StandardCharsets.US_ASCII));
        PrivateKey privateKey = PemFiles.parsePrivateKey(new String(key, java.nio.charset.StandardCharsets.US_ASCII));
        if (!PemKeys.matches(chain.get(0), privateKey)) {
            throw new IOException("the key does not belong to the certificate");
        }
        return KeyCertOptions.wrap(new SingleCertificateKeyManager(privateKey, chain));
    }

    private static byte[] digest(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(sha256(a), 64);
        System.arraycopy(sha256(b), 0, both, 32, 32);
        return both;
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(List<X509Certificate> certs) throws ConfigException {
        StringBuilder sb = new StringBuilder();
        Base64.Encoder enc = Base64.getMimeEncoder(64, new byte[] {'\n'});
        for (X509Certificate c : certs) {
            try {
                sb.append("-----BEGIN CERTIFICATE-----\n").append(enc.encodeToString(c.getEncoded())).append("\n-----END CERTIFICATE-----\n");
            } catch (CertificateEncodingException e) {
                throw new ConfigException("token.certificate", "cannot encode: " + e.getMessage());
            }
        }
        return sb.toString();
    }

    private static String jwks(Map<String, PublicKey> keys) {
        List<JWK> list = new ArrayList<>();
        keys.forEach((kid, k) -> {
            if (k instanceof RSAPublicKey rsa) {
                list.add(new RSAKey.Builder(rsa).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(TokenAlgorithms.forKey(k)).build());
            } else if (k instanceof ECPublicKey ec) {
                list.add(new ECKey.Builder(Curve.forECParameterSpec(ec.getParams()), ec).keyID(kid).keyUse(KeyUse.SIGNATURE)
                        .algorithm(TokenAlgorithms.forKey(k)).build());
            }
        });
        return new JWKSet(list).toString(true);
    }
}
