package dev.portcullis.registry.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.testsupport.DistributionProcess;
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
 * The contract against Distribution behind mutual TLS and an htpasswd login: proves the harness's TLS and credential
 * paths (skopeo --cert-dir and the private --authfile, hosts.toml {@code ca} and {@code client}, ctr --user), which the
 * plain-HTTP run never touches. Distribution's htpasswd is Basic auth; a Bearer token flow needs Portcullis's own
 * token endpoint (ctr and skopeo both follow the challenge by themselves).
 */
class DistributionTlsAuthRealClientTest extends RealClientContract {
    private static final Credentials USER = new Credentials("contract", "s3cret-Pw.for-tests");

    @TempDir
    Path registryDir;

    private DistributionProcess distribution;
    private TestPki pki;

    @BeforeEach
    void startDistribution() throws Exception {
        RequiredTool.DISTRIBUTION.require();
        pki = TestPki.create(registryDir.resolve("pki"));
        Path htpasswd = registryDir.resolve("htpasswd");
        Files.writeString(htpasswd, USER.user() + ":" + bcrypt(USER.password()) + "\n");
        distribution = DistributionProcess.start(registryDir.resolve("distribution"), """
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
    void stopDistribution() {
        if (distribution != null) {
            distribution.close();
        }
    }

    @Override
    protected RegistryTarget registry() {
        return new RegistryTarget(distribution.hostPort(), "https", Optional.of(USER), pki.skopeoCertDir(),
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

    /** Distribution reads bcrypt only; cost 4 keeps the test fast (Go accepts jBCrypt's $2a$). */
    private static String bcrypt(String password) {
        return org.mindrot.jbcrypt.BCrypt.hashpw(password, org.mindrot.jbcrypt.BCrypt.gensalt(4));
    }
}
