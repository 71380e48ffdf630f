package dev.portcullis.registry.auth.token;

import dev.portcullis.registry.testsupport.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyIdsTest {
    @Test
    void base32MatchesRfc4648Vectors() {
        assertEquals("MZXW6YTBOI", KeyIds.base32("foobar".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("MZXW6", KeyIds.base32("foo".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void libtrustIdIsTwelveGroupsOfFourOverTheSpkiDigest() throws Exception {
        KeyPair kp = TestPki.keyPair(TestPki.Alg.EC);
        String kid = KeyIds.libtrust(kp.getPublic());
        assertTrue(kid.matches("([A-Z2-7]{4}:){11}[A-Z2-7]{4}"), kid);
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(kp.getPublic().getEncoded());
        assertEquals(KeyIds.base32(Arrays.copyOf(digest, 30)), kid.replace(":", ""));
    }

    @Test
    void thumbprintIsBase64urlSha256() throws Exception {
        String t = KeyIds.thumbprint(TestPki.keyPair(TestPki.Alg.RSA).getPublic());
        assertTrue(t.matches("[A-Za-z0-9_-]{43}"), t);
    }

    @Test
    void pemFilesReadEveryKeyEncodingKubernetesSecretsHold(@TempDir Path dir) throws Exception {
        for (TestPki.Alg alg : TestPki.Alg.values()) {
            KeyPair kp = TestPki.keyPair(alg);
            // A KeyPair is written as PKCS#1 / SEC1 ("RSA PRIVATE KEY" / "EC PRIVATE KEY"), a PrivateKey as PKCS#8.
            Path traditional = dir.resolve(alg + "-trad.key");
            Files.writeString(traditional, alg == TestPki.Alg.EC ? sec1(kp) : TestPki.pem(kp));
            Path pkcs8 = dir.resolve(alg + "-pkcs8.key");
            Files.writeString(pkcs8, TestPki.pkcs8(kp.getPrivate()));
            assertEquals(secret(kp.getPrivate()), secret(PemFiles.readPrivateKey(traditional)), alg + " traditional");
            assertEquals(secret(kp.getPrivate()), secret(PemFiles.readPrivateKey(pkcs8)), alg + " pkcs8");
        }
    }

    private static java.math.BigInteger secret(java.security.PrivateKey k) {
        return k instanceof java.security.interfaces.ECPrivateKey ec ? ec.getS()
                : ((java.security.interfaces.RSAPrivateKey) k).getPrivateExponent();
    }

    /** SEC1 with the named curve inside, as openssl and cert-manager write it (the JDK's own encoding omits the curve). */
    private static String sec1(KeyPair kp) throws Exception {
        java.security.interfaces.ECPrivateKey k = (java.security.interfaces.ECPrivateKey) kp.getPrivate();
        byte[] pub = org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(kp.getPublic().getEncoded()).getPublicKeyData().getBytes();
        var inner = new org.bouncycastle.asn1.sec.ECPrivateKey(256, k.getS(), new org.bouncycastle.asn1.DERBitString(pub),
                org.bouncycastle.asn1.x9.X9ObjectIdentifiers.prime256v1);
        String b64 = java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(inner.getEncoded());
        return "-----BEGIN EC PRIVATE KEY-----\n" + b64 + "\n-----END EC PRIVATE KEY-----\n";
    }

    @Test
    void kidFormatParsesConfigSpellings() {
        assertEquals(KidFormat.LIBTRUST, KidFormat.parse("libtrust"));
        assertEquals(KidFormat.THUMBPRINT, KidFormat.parse("Thumbprint"));
    }
}
