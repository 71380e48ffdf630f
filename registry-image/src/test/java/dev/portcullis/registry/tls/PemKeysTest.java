package dev.portcullis.registry.tls;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.testsupport.TestPki;
import dev.portcullis.registry.testsupport.TestPki.Alg;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.time.Instant;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whether a key belongs to a certificate, for every shape of key a Secret holds: EC keys that carry their public
 * point (OpenSSL, Go and cert-manager write them so) are compared without a signature, the others are signed with,
 * and RSA keys are compared by modulus. A key of another pair is refused in every shape.
 */
class PemKeysTest {
    @TempDir
    static Path dir;
    static TestPki.Issued ecA;
    static TestPki.Issued ecB;
    static TestPki.Issued rsaA;
    static TestPki.Issued rsaB;

    @BeforeAll
    static void issue() throws Exception {
        TestPki pki = new TestPki(dir, "keys");
        Instant notAfter = Instant.now().plus(Duration.ofDays(1));
        ecA = pki.issue(dir, "ec-a", Alg.EC, true, notAfter);
        ecB = pki.issue(dir, "ec-b", Alg.EC, true, notAfter);
        rsaA = pki.issue(dir, "rsa-a", Alg.RSA, true, notAfter);
        rsaB = pki.issue(dir, "rsa-b", Alg.RSA, true, notAfter);
    }

    @Test
    void anEcKeyCarryingItsPublicPointMatchesItsCertificateOnly() throws Exception {
        PrivateKey key = parse(pkcs8WithPublicPoint(ecA.keyPair(), ecA.keyPair()));
        assertTrue(PemKeys.matches(ecA.certificate(), key));
        assertFalse(PemKeys.matches(ecB.certificate(), key));
        assertFalse(PemKeys.matches(rsaA.certificate(), key));
    }

    @Test
    void anEcKeyWithoutItsPublicPointIsCheckedBySignature() throws Exception {
        PrivateKey key = parse(TestPki.pkcs8(ecA.keyPair().getPrivate()));
        assertTrue(PemKeys.matches(ecA.certificate(), key));
        assertFalse(PemKeys.matches(ecB.certificate(), key));
    }

    @Test
    void aPublicPointThatIsNotTheCertificatesFallsBackToTheSignature() throws Exception {
        // A's private scalar with B's point written beside it: for A's certificate the points differ, so the
        // signature decides, and A's scalar signs for A. (The check is for a renewal that left a pair half new, whose
        // key agrees with itself; a file that contradicts itself fails at the first handshake instead.)
        PrivateKey key = parse(pkcs8WithPublicPoint(ecA.keyPair(), ecB.keyPair()));
        assertTrue(PemKeys.matches(ecA.certificate(), key));
    }

    @Test
    void rsaKeysAreComparedByModulusInBothEncodings() throws Exception {
        PrivateKey pkcs8 = parse(TestPki.pkcs8(rsaA.keyPair().getPrivate()));
        PrivateKey pkcs1 = parse(TestPki.pem(rsaA.keyPair()));
        for (PrivateKey key : new PrivateKey[] {pkcs8, pkcs1}) {
            assertTrue(PemKeys.matches(rsaA.certificate(), key));
            assertFalse(PemKeys.matches(rsaB.certificate(), key));
            assertFalse(PemKeys.matches(ecA.certificate(), key));
        }
    }

    private static PrivateKey parse(String pem) throws Exception {
        return PemKeys.privateKey(pem.getBytes(StandardCharsets.US_ASCII));
    }

    /** PKCS#8 of {@code secret}'s private scalar with {@code shown}'s public point in it, as OpenSSL writes keys. */
    private static String pkcs8WithPublicPoint(KeyPair secret, KeyPair shown) throws Exception {
        byte[] point = SubjectPublicKeyInfo.getInstance(shown.getPublic().getEncoded()).getPublicKeyData().getOctets();
        var sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, ((ECPrivateKey) secret.getPrivate()).getS(),
                new DERBitString(point), null);
        PrivateKeyInfo info = new PrivateKeyInfo(
                new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, X9ObjectIdentifiers.prime256v1), sec1);
        return "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(info.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }
}
