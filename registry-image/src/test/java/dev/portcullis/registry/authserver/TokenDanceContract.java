package dev.portcullis.registry.authserver;

import dev.portcullis.registry.auth.token.AccessEntry;
import dev.portcullis.registry.auth.token.KidFormat;
import dev.portcullis.registry.auth.token.PemFiles;
import dev.portcullis.registry.clients.ContainerdNode;
import dev.portcullis.registry.clients.Exec;
import dev.portcullis.registry.clients.RequiredTool;
import dev.portcullis.registry.testsupport.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static dev.portcullis.registry.authserver.IssuerFixture.ISSUER;
import static dev.portcullis.registry.authserver.IssuerFixture.SERVICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The token dance against a registry configured with {@code auth.token} pointing at our issuer and at the certificate
 * bundle the issuer publishes: skopeo does the whole dance (401 challenge, GET to our realm with Basic credentials,
 * Bearer retry) over verified TLS, and ctr the OAuth2 form. Run against CNCF Distribution 2.8 it is the compatibility
 * proof; run against Portcullis it proves our verifier.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TokenDanceContract {
    /** Passwords the ctr commands carry: masked if a command fails. */
    private static final java.util.Set<String> SECRETS = java.util.Set.of("alice-pw", "puller-pw", "bob-pw");

    @TempDir
    static Path dir;
    TestPki pki;
    TestPki.Issued signing;
    TestPki.Issued oldSigning;
    AuthServer issuer;
    String registryHostPort;
    Path certDir;
    Path image;
    HttpClient http;

    /** Starts the registry under test from a Distribution config with ${PORT} and ${ROOT}; returns its host:port. */
    protected abstract String startRegistry(Path workDir, String configYaml) throws Exception;

    protected abstract void stopRegistry();

    /** Distribution 2.8 knows only libtrust key ids; Distribution 3 and Portcullis also RFC 7638 thumbprints. */
    protected abstract boolean acceptsThumbprintKeyIds();

    @BeforeAll
    void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/skopeo")), "skopeo is not installed");
        pki = new TestPki(dir, "interop");
        TestPki.Issued authTls = pki.server(dir, "auth-tls");
        signing = pki.signing(dir, "token-signing", TestPki.Alg.EC);
        // The key signed with before a rotation: still trusted, still published.
        oldSigning = pki.signing(dir, "token-signing-old", TestPki.Alg.RSA);
        Path config = IssuerFixture.writeConfig(dir, authTls, signing,
                "trusted_certificates: [\"" + oldSigning.cert() + "\"]", IssuerFixture.usersAndAcl() + "throttle: {max_failures: 1000}\n");
        issuer = AuthServer.start(AuthServerConfig.load(config));
        http = IssuerFixture.client(pki.caFile());

        // Distribution gets exactly what the issuer publishes as its rootcertbundle.
        Path bundle = TokenModeRegistry.publishedBundle(dir, http, issuer);
        assertEquals(2, PemFiles.readCertificates(bundle).size());

        TestPki.Issued registryTls = pki.server(dir, "registry-tls");
        registryHostPort = startRegistry(dir.resolve("registry"), """
                version: 0.1
                log:
                  level: info
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: ${ROOT}
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:${PORT}
                  tls:
                    certificate: %s
                    key: %s
                """.formatted(registryTls.cert(), registryTls.key()) + TokenModeRegistry.tokenAuthYaml(issuer, bundle));

        certDir = TokenModeRegistry.certDir(dir, pki.caFile());
        image = TokenModeRegistry.randomImage(dir);
        // Alice's image is pushed once here; the tests below pull it.
        TokenModeRegistry.Exit push = skopeo("alice", "alice-pw", "oci:" + image + ":latest", ref("alice/app:v1"));
        assertEquals(0, push.code(), push.output());
    }

    @AfterAll
    void stop() {
        stopRegistry();
        if (issuer != null) {
            issuer.close();
        }
    }

    String ref(String repoTag) {
        return "docker://" + registryHostPort + "/" + repoTag;
    }

    TokenModeRegistry.Exit skopeo(String user, String password, String from, String to) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("--insecure-policy", "copy", "--retry-times", "0"));
        if (from.startsWith("docker://")) {
            cmd.addAll(List.of("--src-cert-dir", certDir.toString(), "--src-creds", user + ":" + password));
        }
        if (to.startsWith("docker://")) {
            cmd.addAll(List.of("--dest-cert-dir", certDir.toString(), "--dest-creds", user + ":" + password));
        }
        cmd.add(from);
        cmd.add(to);
        return TokenModeRegistry.skopeo(dir, null, cmd);
    }

    @Test
    void ownerPushesAndPullsThroughTheTokenDance() throws Exception {
        Path pulled = dir.resolve("pulled-alice");
        TokenModeRegistry.Exit pull = skopeo("alice", "alice-pw", ref("alice/app:v1"), "oci:" + pulled + ":latest");
        assertEquals(0, pull.code(), pull.output());
        // OCI in, OCI out, no conversion: manifest, config and every layer come back byte for byte.
        assertEquals(TokenModeRegistry.blobs(image), TokenModeRegistry.blobs(pulled), pull.output());
    }

    @Test
    void restrictedUserCannotPushIntoAnotherNamespace() throws Exception {
        TokenModeRegistry.Exit push = skopeo("alice", "alice-pw", "oci:" + image + ":latest", ref("bob/app:v1"));
        assertNotEquals(0, push.code());
        assertTrue(push.output().toLowerCase().matches("(?s).*(denied|unauthorized|authentication required).*"), push.output());
        TokenModeRegistry.Exit ok = skopeo("bob", "bob-pw", "oci:" + image + ":latest", ref("bob/app:v1"));
        assertEquals(0, ok.code(), ok.output());
    }

    @Test
    void pullOnlyUserPullsButCannotPush() throws Exception {
        TokenModeRegistry.Exit pull = skopeo("puller", "puller-pw", ref("alice/app:v1"), "oci:" + dir.resolve("pulled-puller") + ":latest");
        assertEquals(0, pull.code(), pull.output());
        TokenModeRegistry.Exit push = skopeo("puller", "puller-pw", "oci:" + image + ":latest", ref("alice/app:v2"));
        assertNotEquals(0, push.code());
        assertTrue(push.output().toLowerCase().matches("(?s).*(denied|unauthorized|authentication required).*"), push.output());
    }

    @Test
    void wrongPasswordGetsNothing() throws Exception {
        TokenModeRegistry.Exit pull = skopeo("alice", "not-her-password", ref("alice/app:v1"), "oci:" + dir.resolve("pulled-wrong") + ":latest");
        assertNotEquals(0, pull.code());
        assertTrue(pull.output().toLowerCase().contains("401") || pull.output().toLowerCase().contains("unauthorized"), pull.output());
    }

    @Test
    void ctrPullsAndPushesThroughTheOAuth2TokenDance() throws Exception {
        RequiredTool.CONTAINERD.require();
        RequiredTool.CTR.require();
        // containerd reads HOST:PORT/hosts.toml; the CA there is used for the token realm too.
        Path hostsDir = TokenModeRegistry.hostsDir(dir, registryHostPort, pki.caFile(), List.of("pull", "resolve", "push"));
        String host = registryHostPort;
        try (ContainerdNode ctd = ContainerdNode.start()) {
            Exec.Result r = ctd.ctr(List.of("images", "pull", "--hosts-dir", hostsDir.toString(), "--user", "alice:alice-pw",
                    "--snapshotter", "native", host + "/alice/app:v1"), SECRETS, java.time.Duration.ofSeconds(180));
            assertEquals(0, r.exitCode(), r.output());

            assertEquals(0, ctd.ctr(List.of("images", "tag", host + "/alice/app:v1", host + "/alice/from-ctr:v1"), SECRETS, java.time.Duration.ofSeconds(30)).exitCode());
            r = ctd.ctr(List.of("images", "push", "--hosts-dir", hostsDir.toString(), "--user", "alice:alice-pw", host + "/alice/from-ctr:v1"), SECRETS, java.time.Duration.ofSeconds(180));
            assertEquals(0, r.exitCode(), r.output());

            assertEquals(0, ctd.ctr(List.of("images", "tag", host + "/alice/app:v1", host + "/bob/from-alice:v1"), SECRETS, java.time.Duration.ofSeconds(30)).exitCode());
            r = ctd.ctr(List.of("images", "push", "--hosts-dir", hostsDir.toString(), "--user", "alice:alice-pw", host + "/bob/from-alice:v1"), SECRETS, java.time.Duration.ofSeconds(180));
            assertNotEquals(0, r.exitCode(), "alice may not push into bob's namespace: " + r.output());

            // A new tag: pushing a tag that already holds the same manifest is a no-op containerd skips after a HEAD.
            assertEquals(0, ctd.ctr(List.of("images", "tag", host + "/alice/app:v1", host + "/alice/by-puller:v1"), SECRETS, java.time.Duration.ofSeconds(30)).exitCode());
            r = ctd.ctr(List.of("images", "push", "--hosts-dir", hostsDir.toString(), "--user", "puller:puller-pw", host + "/alice/by-puller:v1"), SECRETS, java.time.Duration.ofSeconds(180));
            assertNotEquals(0, r.exitCode(), "pull-only user may not push: " + r.output());
            assertEquals(404, tagsList("alice/by-puller", "puller"), "and nothing was written");
            assertEquals(404, tagsList("bob/from-alice", "bob"));
            assertEquals(200, tagsList("alice/from-ctr", "alice"));

            r = ctd.ctr(List.of("images", "pull", "--hosts-dir", hostsDir.toString(), "--user", "alice:wrong",
                    "--snapshotter", "native", host + "/alice/from-ctr:v1"), SECRETS, java.time.Duration.ofSeconds(180));
            assertNotEquals(0, r.exitCode(), "wrong password: " + r.output());

            // The OAuth2 refresh_token grant, as containerd sends it, with a refresh token from the password grant.
            var offline = IssuerFixture.post(http, "https://127.0.0.1:" + issuer.port() + "/auth", java.util.Map.of("grant_type", "password",
                    "service", SERVICE, "client_id", "test", "access_type", "offline", "username", "alice", "password", "alice-pw"));
            String refresh = new io.vertx.core.json.JsonObject(offline.body()).getString("refresh_token");
            r = ctd.ctr(List.of("images", "pull", "--hosts-dir", hostsDir.toString(), "--refresh", refresh,
                    "--snapshotter", "native", host + "/alice/from-ctr:v1"), SECRETS, java.time.Duration.ofSeconds(180));
            assertEquals(0, r.exitCode(), r.output());
        }
    }

    // ---- tokens minted directly, to show what Distribution checks ----

    private TokenIssuer minter(TestPki.Issued key, KidFormat kid, boolean x5c, Clock clock) throws Exception {
        SigningKey sk = new SigningKey(PemFiles.readPrivateKey(key.key()), List.of(key.certificate()), kid);
        return new TokenIssuer(ISSUER, Duration.ofMinutes(5), Duration.ofHours(1), sk, x5c, List.of(), kid, clock);
    }

    private int tagsList(String token) throws Exception {
        return IssuerFixture.get(http, "https://" + registryHostPort + "/v2/alice/app/tags/list", "Bearer " + token).statusCode();
    }

    /** GET /v2/REPO/tags/list with a freshly minted pull token: 200 if the repository exists, 404 if not. */
    private int tagsList(String repo, String subject) throws Exception {
        String token = minter(signing, KidFormat.LIBTRUST, true, Clock.systemUTC())
                .issueAccess(subject, SERVICE, List.of(new AccessEntry("repository", repo, List.of("pull")))).token();
        return IssuerFixture.get(http, "https://" + registryHostPort + "/v2/" + repo + "/tags/list", "Bearer " + token).statusCode();
    }

    private String pullToken(TokenIssuer t, String service) throws Exception {
        return t.issueAccess("alice", service, List.of(new AccessEntry("repository", "alice/app", List.of("pull")))).token();
    }

    @Test
    void libtrustKidAloneIdentifiesCurrentAndRotatedOutKeys() throws Exception {
        // Without x5c Distribution 2.8 finds the key by its libtrust id among the bundle's certificates.
        assertEquals(200, tagsList(pullToken(minter(signing, KidFormat.LIBTRUST, false, Clock.systemUTC()), SERVICE)));
        assertEquals(200, tagsList(pullToken(minter(oldSigning, KidFormat.LIBTRUST, false, Clock.systemUTC()), SERVICE)),
                "a token signed with the previous key is still honoured after rotation");
        // And with x5c it verifies the chain to the bundle instead.
        assertEquals(200, tagsList(pullToken(minter(signing, KidFormat.LIBTRUST, true, Clock.systemUTC()), SERVICE)));
    }

    @Test
    void registryRefusesExpiredForeignAndUntrustedTokens() throws Exception {
        Clock hourAgo = Clock.fixed(Instant.now().minus(Duration.ofHours(1)), ZoneOffset.UTC);
        assertEquals(401, tagsList(pullToken(minter(signing, KidFormat.LIBTRUST, true, hourAgo), SERVICE)), "replayed past exp");
        assertEquals(401, tagsList(pullToken(minter(signing, KidFormat.LIBTRUST, true, Clock.systemUTC()), "other-service")), "aud");
        TestPki.Issued stranger = pki.signing(dir, "stranger", TestPki.Alg.EC);
        assertEquals(401, tagsList(pullToken(minter(stranger, KidFormat.LIBTRUST, false, Clock.systemUTC()), SERVICE)), "unknown kid");
        assertEquals(401, tagsList(pullToken(minter(stranger, KidFormat.LIBTRUST, true, Clock.systemUTC()), SERVICE)),
                "x5c chaining to a CA that is not in the bundle");
        // Distribution 2.8 does not know RFC 7638 key ids: why libtrust is the default kidformat.
        assertEquals(acceptsThumbprintKeyIds() ? 200 : 401, tagsList(pullToken(minter(signing, KidFormat.THUMBPRINT, false, Clock.systemUTC()), SERVICE)));
        // A refresh token is no access token.
        assertEquals(401, tagsList(minter(signing, KidFormat.LIBTRUST, true, Clock.systemUTC()).issueRefresh("alice", SERVICE, "v1")));
    }
}
