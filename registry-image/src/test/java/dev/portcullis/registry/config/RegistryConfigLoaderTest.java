package dev.portcullis.registry.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryConfigLoaderTest {
    @TempDir
    Path dir;

    /** Debian's own /etc/docker/registry/config.yml, the shape most users start from. */
    private static final String DISTRIBUTION_DEFAULT = """
            version: 0.1
            log:
              fields:
                service: registry
            storage:
              cache:
                blobdescriptor: inmemory
              filesystem:
                rootdirectory: /var/lib/docker-registry
              delete:
                enabled: true
            http:
              addr: :5000
              headers:
                X-Content-Type-Options: [nosniff]
            health:
              storagedriver:
                enabled: true
                interval: 10s
                threshold: 3
            """;

    private static RegistryConfig load(String yaml, Map<String, String> env) {
        return RegistryConfigLoader.fromTree(ConfigTree.parse(yaml, "config.yml").withEnvironment(env));
    }

    @Test
    void anEmptyFilesystemSectionIsDistributionsDefaultRootNotAnUnknownKey() {
        RegistryConfig c = load("version: 0.1\nstorage:\n  filesystem: {}\n", Map.of());
        assertEquals(List.of(), c.warnings());
        assertEquals("filesystem", c.storage().driver());
        assertEquals(Path.of("/var/lib/registry"), RegistryConfigLoader.filesystemRoot(c.storage()));
    }

    @Test
    void anUnsupportedDriverIsOneErrorNotAlsoAnIgnoredKeyPerParameter() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> load("version: 0.1\nstorage:\n  gcs:\n    bucket: x\n    keyfile: /k.json\n", Map.of()));
        assertEquals(List.of("storage.gcs: driver 'gcs' is not supported (filesystem, s3, azure, inmemory)"),
                e.problems());
    }

    @Test
    void distributionsDefaultConfigLoadsWithoutWarnings() {
        RegistryConfig c = load(DISTRIBUTION_DEFAULT, Map.of());
        assertEquals(List.of(), c.warnings());
        assertEquals("filesystem", c.storage().driver());
        assertEquals(Path.of("/var/lib/docker-registry"), RegistryConfigLoader.filesystemRoot(c.storage()));
        assertTrue(c.storage().deleteEnabled());
        assertEquals(new ListenAddress("0.0.0.0", 5000), c.http().addr());
        assertEquals(Map.of("X-Content-Type-Options", List.of("nosniff")), c.http().headers());
        assertEquals("registry", c.log().fields().get("service"));
    }

    @Test
    void environmentOverridesNameKeysTheDistributionWay() {
        RegistryConfig c = load(DISTRIBUTION_DEFAULT, Map.of(
                "REGISTRY_HTTP_ADDR", "127.0.0.1:6000",
                "REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", "/data",
                "REGISTRY_STORAGE_DELETE_ENABLED", "false",
                "REGISTRY_LOG_LEVEL", "debug",
                "REGISTRY_HTTP_DEBUG_ADDR", ":5001",
                "UNRELATED", "x"));
        assertEquals(new ListenAddress("127.0.0.1", 6000), c.http().addr());
        assertEquals(Path.of("/data"), RegistryConfigLoader.filesystemRoot(c.storage()));
        assertFalse(c.storage().deleteEnabled());
        assertEquals("debug", c.log().level());
        assertEquals(5001, c.http().debugAddr().orElseThrow().port());
    }

    @Test
    void environmentCanSwitchTheStorageDriverAndKeepGenericSections() {
        ConfigTree tree = ConfigTree.parse(DISTRIBUTION_DEFAULT, "x").withEnvironment(Map.of(
                "REGISTRY_STORAGE", "inmemory"));
        RegistryConfig c = RegistryConfigLoader.fromTree(tree);
        assertEquals("inmemory", c.storage().driver());
        assertTrue(c.storage().deleteEnabled());
    }

    @Test
    void environmentListsAreYamlFlow(@TempDir Path certs) throws Exception {
        Path a = Files.writeString(certs.resolve("a.pem"), "x");
        Path b = Files.writeString(certs.resolve("b.pem"), "x");
        RegistryConfig c = load(DISTRIBUTION_DEFAULT, Map.of(
                "REGISTRY_HTTP_TLS_CERTIFICATE", a.toString(),
                "REGISTRY_HTTP_TLS_KEY", b.toString(),
                "REGISTRY_HTTP_TLS_CLIENTCAS", "[" + a + ", " + b + "]"));
        assertEquals(List.of(a, b), c.http().tls().orElseThrow().clientCas());
        assertEquals(TlsSettings.ClientAuth.REQUIRE, c.http().tls().orElseThrow().clientAuth());
    }

    @Test
    void unknownAndUnsupportedKeysAreWarnings() {
        RegistryConfig c = load(DISTRIBUTION_DEFAULT + """
                redis:
                  addr: localhost:6379
                notifications:
                  endpoints: []
                htpp:
                  addr: typo
                """, Map.of());
        assertEquals(2, c.warnings().size(), c.warnings().toString());
        assertTrue(c.warnings().get(0).contains("redis.addr is Distribution's but not supported"));
        assertEquals("unknown key htpp.addr (did you mean http.addr?); ignored", c.warnings().get(1));
    }

    @Test
    void verifyIfGivenWithoutAnAuthSchemeIsWarnedInOneLine() throws Exception {
        Path cert = Files.writeString(dir.resolve("tls.crt"), "x");
        String storage = "storage:\n  filesystem:\n    rootdirectory: /x\n";
        String tls = """
                http:
                  tls:
                    certificate: %s
                    key: %s
                    clientcas: [%s]
                    clientauth: verify-if-given
                """.formatted(cert, cert, cert);
        RegistryConfig alone = load(storage + tls, Map.of());
        assertEquals(1, alone.warnings().size(), alone.warnings().toString());
        assertTrue(alone.warnings().get(0).startsWith("http.tls.clientauth: verify-if-given without auth.htpasswd or auth.token"));
        assertFalse(alone.warnings().get(0).contains("\n"));
        RegistryConfig withTokens = load(storage + tls + """
                auth:
                  token:
                    realm: https://auth.example/token
                    service: registry
                    issuer: issuer
                    rootcertbundle: /etc/bundle.pem
                    maxlifetime: 15m
                    signers: [token-signer]
                """, Map.of());
        assertEquals(List.of(), withTokens.warnings(), "an auth scheme decides; maxlifetime and signers are known keys");
        RegistryConfig required = load(storage
                + tls.replace("verify-if-given", "require"), Map.of());
        assertEquals(List.of(), required.warnings());
    }

    @Test
    void badValuesNameTheKey() {
        assertProblem("http.addr", "http:\n  addr: nonsense\n");
        assertProblem("http.addr", "http:\n  addr: :99999\n");
        assertProblem("log.level", "log:\n  level: loud\n");
        assertProblem("storage.delete.enabled", "storage:\n  filesystem:\n    rootdirectory: /x\n  delete:\n    enabled: maybe\n");
        assertProblem("health.storagedriver.interval", "health:\n  storagedriver:\n    interval: 10\n");
        assertProblem("storage.maintenance.uploadpurging.age",
                "storage:\n  filesystem: {rootdirectory: /x}\n  maintenance:\n    uploadpurging:\n      age: soon\n");
        assertProblem("http.tls.certificate", "http:\n  tls:\n    certificate: /nonexistent/cert.pem\n    key: /nonexistent/key.pem\n");
        assertProblem("http.tls.minimumtls", "http:\n  tls:\n    certificate: %s\n    key: %s\n    minimumtls: tls1.0\n");
        assertProblem("storage", "storage:\n  filesystem: {rootdirectory: /x}\n  s3: {bucket: b}\n");
        assertProblem("storage.gcs", "storage:\n  gcs: {bucket: x}\n");
        assertProblem("version", "version: 0.2\n");
        assertProblem("auth.silly", "auth:\n  silly: {realm: x, service: y}\n");
        assertProblem("auth", "auth:\n  htpasswd: {realm: x, path: %s}\n  token: {realm: x}\n");
        assertProblem("auth.anonymous.pull", "auth:\n  anonymous: {pull: true}\n");
        assertProblem("auth.htpasswd.path", "auth:\n  htpasswd: {realm: x, path: /nonexistent/htpasswd}\n");
        assertProblem("health.http[0].uri", "health:\n  http:\n    - uri: ftp://mirror.example/health\n");
        assertProblem("health.tcp[0].addr", "health:\n  tcp:\n    - timeout: 1s\n");
    }

    private void assertProblem(String key, String yaml) {
        String withFiles;
        try {
            Path cert = Files.writeString(dir.resolve("c.pem"), "x");
            withFiles = yaml.formatted(cert, cert);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        String full = withFiles.contains("storage:") ? withFiles
                : "storage:\n  filesystem:\n    rootdirectory: /x\n" + withFiles;
        ConfigException e = assertThrows(ConfigException.class, () -> load(full, Map.of()));
        assertTrue(e.getMessage().startsWith(key + ":") || e.getMessage().contains(key),
                "message should name " + key + ": " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void aTypoIsNamedBeforeTheErrorItCauses() throws Exception {
        Path cert = Files.writeString(dir.resolve("tls.crt"), "x");
        ConfigException e = assertThrows(ConfigException.class, () -> load(DISTRIBUTION_DEFAULT.replace("""
                  addr: :5000
                """, """
                  addr: :5000
                  tls:
                    certficate: %s
                    key: %s
                """.formatted(cert, cert)), Map.of()));
        assertEquals(List.of("unknown key http.tls.certficate (did you mean http.tls.certificate?); ignored",
                "http.tls.certificate: missing: http.tls.key is set without a certificate"), e.problems());
    }

    @Test
    void aTypoInAnEnvironmentVariableIsNamedByTheVariable() throws Exception {
        Path cert = Files.writeString(dir.resolve("tls.crt"), "x");
        ConfigException e = assertThrows(ConfigException.class, () -> load(DISTRIBUTION_DEFAULT, Map.of(
                "REGISTRY_HTTP_TLS_CERTFICATE", cert.toString(),
                "REGISTRY_HTTP_TLS_KEY", cert.toString())));
        assertEquals(List.of("unknown key http.tls.certficate from REGISTRY_HTTP_TLS_CERTFICATE"
                        + " (did you mean REGISTRY_HTTP_TLS_CERTIFICATE?); ignored",
                "http.tls.certificate: missing: http.tls.key is set without a certificate"), e.problems());
    }

    @Test
    void everyProblemIsReportedAtOnceOneLineEach() {
        ConfigException e = assertThrows(ConfigException.class, () -> load("""
                version: 0.1
                log:
                  level: loud
                storage:
                  filesystem:
                    rootdirectory: /x
                  delete:
                    enabled: maybe
                  maintenance:
                    gc:
                      intervall: 6h
                      grace: -1s
                http:
                  addr: 127.0.0.1:5000
                  body:
                    maxconcurrent: 0
                auth:
                  htpasswd:
                    path: /x
                health:
                  http:
                    - uri: https://upstream.example/health
                      statuscode: ok
                proxy:
                  remoteurl: ftp://mirror.example
                notifications:
                  endpoints:
                    - name: hook
                redis:
                  addr: localhost:6379
                """, Map.of()));
        assertEquals(List.of(
                "unknown key storage.maintenance.gc.intervall (did you mean storage.maintenance.gc.interval?); ignored",
                "config key redis.addr is Distribution's but not supported by Portcullis; ignored",
                "log.level: 'loud' is not one of error, warn, info, debug",
                "storage.delete.enabled: 'maybe' is not true or false",
                "auth.htpasswd.realm: missing",
                "health.http[0].statuscode: 'ok' is not an HTTP status code",
                "storage.maintenance.gc.grace: '-1s' is not a duration such as 10s, 5m or 1h30m",
                "proxy.remoteurl: 'ftp://mirror.example' must be an http(s) URL such as https://registry-1.docker.io",
                "notifications.endpoints[0].url: missing",
                "http.body.maxconcurrent: 0 is out of range (1 to 10000)"), e.problems());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void eachSectionIsParsedIntoItsOwnSettings() throws Exception {
        Path htpasswd = Files.writeString(dir.resolve("htpasswd"), "");
        RegistryConfig c = load(DISTRIBUTION_DEFAULT.replace("    threshold: 3\n", "    threshold: 3\n" + """
                  tcp:
                    - addr: 127.0.0.1:6379
                      threshold: 2
                """) + """
                auth:
                  htpasswd:
                    realm: portcullis
                    path: %s
                    pullonly: [ci]
                  anonymous:
                    pull: true
                proxy:
                  remoteurl: https://registry-1.docker.io
                """.formatted(htpasswd), Map.of("REGISTRY_HTTP_BODY_MAXCONCURRENT", "8"));
        assertEquals(List.of(), c.warnings());
        assertEquals("portcullis", c.auth().htpasswd().orElseThrow().realm());
        assertEquals(java.util.Set.of("ci"), c.auth().htpasswd().orElseThrow().pullOnly());
        assertTrue(c.auth().anonymousPull());
        assertTrue(c.health().storageDriver().enabled());
        assertEquals(new ListenAddress("127.0.0.1", 6379), c.health().tcp().get(0).addr());
        assertEquals(2, c.health().tcp().get(0).threshold());
        assertEquals("registry-1.docker.io", c.proxy().orElseThrow().upstreams().get(0).name());
        assertEquals(8, c.body().total());
        assertFalse(c.gc().enabled());
        assertEquals(List.of(), c.notifications().endpoints());
    }

    @Test
    void goDurations() {
        assertEquals(Duration.ofSeconds(10), GoDuration.parse("k", "10s"));
        assertEquals(Duration.ofMinutes(90), GoDuration.parse("k", "1h30m"));
        assertEquals(Duration.ofMillis(1500), GoDuration.parse("k", "1.5s"));
        assertEquals(Duration.ofMillis(300), GoDuration.parse("k", "300ms"));
        assertThrows(ConfigException.class, () -> GoDuration.parse("k", "10"));
        assertThrows(ConfigException.class, () -> GoDuration.parse("k", "10 s"));
        assertThrows(ConfigException.class, () -> GoDuration.parse("k", "s10"));
    }

    @Test
    void eventLoopsAndWarmUpKeys() {
        assertEquals(Runtime.getRuntime().availableProcessors(), load(DISTRIBUTION_DEFAULT, Map.of()).http().eventLoops());
        assertEquals(3, load(DISTRIBUTION_DEFAULT, Map.of("REGISTRY_HTTP_EVENTLOOPS", "3")).http().eventLoops());
        assertFalse(load(DISTRIBUTION_DEFAULT, Map.of()).http().warmUpDisabled());
        assertTrue(load(DISTRIBUTION_DEFAULT, Map.of("REGISTRY_HTTP_WARMUP_DISABLED", "true")).http().warmUpDisabled());
        ConfigException e = assertThrows(ConfigException.class,
                () -> load(DISTRIBUTION_DEFAULT, Map.of("REGISTRY_HTTP_EVENTLOOPS", "0")));
        assertTrue(e.getMessage().contains("http.eventloops"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> load(DISTRIBUTION_DEFAULT, Map.of("REGISTRY_HTTP_EVENTLOOPS", "all")));
        assertTrue(e.getMessage().contains("http.eventloops"), e.getMessage());
    }

    @Test
    void plainYamlErrorsAreOneLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> load("http: [unclosed", Map.of()));
        assertTrue(e.getMessage().startsWith("config.yml: not valid YAML"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> load("- a\n- b\n", Map.of()));
        assertTrue(e.getMessage().contains("top level"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> load("http:\n  addr: :1\nhttp:\n  addr: :2\n", Map.of()));
        assertTrue(e.getMessage().contains("not valid YAML"), e.getMessage());
    }
}
