package dev.portcullis.registry.bench;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.util.Base64;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.registry.auth.TokenVerifier;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * TokenVerifier.verify of an ES256 registry token, the way the issuer signs them: with the signing certificate in
 * x5c (the leaf is in rootcertbundle, as Distribution publishes it), and with only a kid. This is the uncached cost;
 * the registry keeps verified tokens in a cache, so a keep-alive client pays it once per token.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC"})
public class TokenVerifyBench {
    static final String ISSUER = "bench-issuer";
    static final String SERVICE = "bench-registry";
    static final String KID = "BENC:HKEY:0000";

    TokenVerifier verifier;
    String x5cToken;
    String kidToken;

    @Setup
    public void setup() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair kp = g.generateKeyPair();
        Instant now = Instant.now();
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
                new X500Name("CN=bench token signer"), BigInteger.ONE, Date.from(now.minusSeconds(60)),
                Date.from(now.plus(Duration.ofDays(1))), new X500Name("CN=bench token signer"), kp.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
        verifier = new TokenVerifier(ISSUER, SERVICE, List.of(cert), Map.<String, PublicKey>of(KID, kp.getPublic()),
                TokenVerifier.ASYMMETRIC, Duration.ofSeconds(60), Clock.systemUTC());
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).audience(SERVICE).subject("bench")
                .issueTime(Date.from(now)).notBeforeTime(Date.from(now.minusSeconds(1)))
                .expirationTime(Date.from(now.plus(Duration.ofHours(1)))).jwtID("bench-1")
                .claim("access", List.of(Map.of("type", "repository", "name", "bench/app", "actions", List.of("pull"))))
                .build();
        ECDSASigner signer = new ECDSASigner((ECPrivateKey) kp.getPrivate());
        SignedJWT withChain = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256)
                .x509CertChain(List.of(Base64.encode(cert.getEncoded()))).build(), claims);
        withChain.sign(signer);
        x5cToken = withChain.serialize();
        SignedJWT withKid = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(KID).build(), claims);
        withKid.sign(signer);
        kidToken = withKid.serialize();
        verifier.verify(x5cToken);
        verifier.verify(kidToken);
    }

    @Benchmark
    public TokenVerifier.Verified verifyX5c() throws TokenVerifier.Invalid {
        return verifier.verify(x5cToken);
    }

    @Benchmark
    public TokenVerifier.Verified verifyKid() throws TokenVerifier.Invalid {
        return verifier.verify(kidToken);
    }
}
