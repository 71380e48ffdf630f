package dev.portcullis.registry.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract behind mutual TLS and an htpasswd login: the TLS and credential paths of the clients (skopeo --cert-dir
 * and the private --authfile, hosts.toml {@code ca} and {@code client}, ctr --user), which the plain-HTTP run never
 * touches. A subclass starts a registry with {@link #configYaml} (Distribution's format) and says where it listens.
 */
public abstract class TlsAuthRealClientContract extends RealClientContract {
    protected static final Credentials USER = new Credentials("contract", "s3cret-Pw.for-tests");

    @TempDir
    Path registryDir;

    protected TestPki pki;
    protected Path htpasswd;

    /** Starts the registry under test from a Distribution config; returns its host:port. */
    protected abstract String startRegistry(String configYaml) throws Exception;

    protected abstract void stopRegistry();

    private String hostPort;

    @BeforeEach
    void startTlsRegistry() throws Exception {
        pki = TestPki.create(registryDir.resolve("pki"));
        htpasswd = registryDir.resolve("htpasswd");
        Files.writeString(htpasswd, USER.user() + ":" + bcrypt(USER.password()) + "\n");
        hostPort = startRegistry("""
                version: 0.1
                log:
                  level: warn
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: ${ROOT}
                  delete:
                    enabled: true
                auth:
                  htpasswd:
                    realm: portcullis-contract
                    path: %s
                http:
                  addr: 127.0.0.1:${PORT}
                  tls:
                    certificate: %s
                    key: %s
                    clientcas:
                      - %s
                """.formatted(htpasswd, pki.serverCert(), pki.serverKey(), pki.caCert()));
    }

    @AfterEach
    void stopTlsRegistry() {
        stopRegistry();
    }

    @Override
    protected RegistryTarget registry() {
        return new RegistryTarget(hostPort, "https", Optional.of(USER), pki.skopeoCertDir(),
                pki.caCert(), pki.clientCert(), pki.clientKey());
    }

    /** Through the private auth file, so that path is proven too (the plain run has no credentials at all). */
    @Override
    protected Skopeo.CredentialMode skopeoCredentialMode() {
        return Skopeo.CredentialMode.AUTHFILE;
    }

    /** The inherited tests give skopeo the login through --authfile; this one proves --creds, and its redaction. */
    @Test
    void skopeoCredsFlagWorksAndNeverShowsThePassword() {
        Skopeo withFlag = Skopeo.create(work.resolve("skopeo-creds-flag"), Skopeo.CredentialMode.CREDS_FLAG);
        OciImage image = OciImages.create(work.resolve("src"), 1, 0.25, 21);
        withFlag.copy(new Skopeo.OciDir(image.dir(), "latest"), remote("contract/creds-flag:v1"), "--preserve-digests");
        assertEquals(image.manifestDigest(), withFlag.inspectDigest(registry(), "contract/creds-flag:v1"));

        Credentials wrong = new Credentials(USER.user(), "not-the-password-7f3a");
        Exec.Result denied = withFlag.tryInspect(registry().withCredentials(wrong), "contract/creds-flag:v1", "--raw");
        String message = denied.describe();
        assertFalse(denied.ok(), message);
        assertTrue(message.toLowerCase().contains("unauthorized"), message);
        assertTrue(message.contains("--creds ***"), message);
        assertFalse(message.contains(wrong.password()), message);
    }

    /** Both registries read bcrypt; cost 4 keeps the test fast (Go accepts jBCrypt's $2a$). */
    private static String bcrypt(String password) {
        return org.mindrot.jbcrypt.BCrypt.hashpw(password, org.mindrot.jbcrypt.BCrypt.gensalt(4));
    }
}
