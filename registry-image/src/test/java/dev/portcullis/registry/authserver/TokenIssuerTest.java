package dev.portcullis.registry.authserver;

import dev.portcullis.registry.auth.token.KidFormat;
import dev.portcullis.registry.auth.token.PemFiles;
import dev.portcullis.registry.testsupport.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TokenIssuerTest {
    private static TokenIssuer issuer(TestPki.Issued key, List<TestPki.Issued> trusted, Clock clock) throws Exception {
        SigningKey sk = new SigningKey(PemFiles.readPrivateKey(key.key()), List.of(key.certificate()), KidFormat.LIBTRUST);
        return new TokenIssuer("iss", Duration.ofMinutes(5), Duration.ofHours(1), sk, true,
                trusted.stream().map(TestPki.Issued::certificate).toList(), KidFormat.LIBTRUST, clock);
    }

    @Test
    void refreshTokensSurviveASigningKeyRotationButNotTheirExpiry(@TempDir Path dir) throws Exception {
        TestPki pki = new TestPki(dir, "t");
        TestPki.Issued oldKey = pki.signing(dir, "old", TestPki.Alg.RSA);
        TestPki.Issued newKey = pki.signing(dir, "new", TestPki.Alg.EC);
        String refresh = issuer(oldKey, List.of(), Clock.systemUTC()).issueRefresh("alice", "svc", "v1");

        TokenIssuer rotated = issuer(newKey, List.of(oldKey), Clock.systemUTC());
        assertEquals(new TokenIssuer.Refresh("alice", "v1"), rotated.verifyRefresh(refresh, "svc"));
        assertThrows(TokenIssuer.InvalidGrantException.class, () -> rotated.verifyRefresh(refresh, "other-svc"));
        // Once the old key is no longer trusted, its refresh tokens are dead.
        assertThrows(TokenIssuer.InvalidGrantException.class, () -> issuer(newKey, List.of(), Clock.systemUTC()).verifyRefresh(refresh, "svc"));

        Clock later = Clock.fixed(Instant.now().plus(Duration.ofHours(2)), ZoneOffset.UTC);
        assertThrows(TokenIssuer.InvalidGrantException.class, () -> issuer(newKey, List.of(oldKey), later).verifyRefresh(refresh, "svc"),
                "replayed past exp");
    }

    @Test
    void aTamperedRefreshTokenIsRefused(@TempDir Path dir) throws Exception {
        TestPki pki = new TestPki(dir, "t");
        TestPki.Issued key = pki.signing(dir, "k", TestPki.Alg.EC);
        TokenIssuer t = issuer(key, List.of(), Clock.systemUTC());
        String[] parts = t.issueRefresh("alice", "svc", "v1").split("\\.");
        String forgedPayload = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                new String(java.util.Base64.getUrlDecoder().decode(parts[1])).replace("alice", "admin").getBytes());
        assertThrows(TokenIssuer.InvalidGrantException.class, () -> t.verifyRefresh(parts[0] + "." + forgedPayload + "." + parts[2], "svc"));
        // alg "none" with a trusted kid: the algorithm comes from the key, never from the header.
        String none = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                new String(java.util.Base64.getUrlDecoder().decode(parts[0])).replace("ES256", "none").getBytes());
        assertThrows(TokenIssuer.InvalidGrantException.class, () -> t.verifyRefresh(none + "." + parts[1] + ".", "svc"));
    }
}
