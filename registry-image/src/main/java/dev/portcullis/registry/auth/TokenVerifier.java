package dev.portcullis.registry.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.util.Base64;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.registry.auth.token.AccessEntry;
import java.io.ByteArrayInputStream;
import java.security.PublicKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Verifies a registry token as Distribution does: the signature against a trusted key (an {@code x5c} chain to the
 * root bundle, or a {@code kid} naming a trusted key by libtrust id or RFC 7638 thumbprint), an allowed asymmetric
 * algorithm, then issuer, audience and the time window with a small leeway. Beyond Distribution: the signing
 * certificate must be one meant for signing tokens ({@link TokenSignerPolicy}), and no token may be valid for longer
 * than {@code auth.token.maxlifetime}.
 */
public final class TokenVerifier {
    /** Asymmetric algorithms only: an HMAC "signed" with a public key as secret must never verify. */
    public static final Set<JWSAlgorithm> ASYMMETRIC = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
            JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256,
            JWSAlgorithm.ES384, JWSAlgorithm.ES512);

    private final String issuer;
    private final String service;
    private final Supplier<TokenTrust> trust;
    private final TokenSignerPolicy signerPolicy;
    private final Set<JWSAlgorithm> allowed;
    private final Duration maxLifetime;
    private final Duration leeway;
    private final Clock clock;

    /** A token that verified: who it names, what it grants, until when. */
    public record Verified(String subject, List<AccessEntry> access, Instant expires) {}

    /** Why a token was refused; the message is safe to show and to log (it never contains the token). */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * @param trust       the roots and keys trusted now (reloaded when the files change)
     * @param maxLifetime no token may be valid longer than this (exp - iat, and exp - now)
     */
    public TokenVerifier(String issuer, String service, Supplier<TokenTrust> trust, TokenSignerPolicy signerPolicy,
                         Set<JWSAlgorithm> allowed, Duration maxLifetime, Duration leeway, Clock clock) {
        this.issuer = issuer;
        this.service = service;
        this.trust = trust;
        this.signerPolicy = signerPolicy;
        this.allowed = Set.copyOf(allowed);
        this.maxLifetime = maxLifetime;
        this.leeway = leeway;
        this.clock = clock;
    }

    public Verified verify(String token) throws Invalid {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException | IllegalArgumentException e) {
            throw new Invalid("malformed or unsigned token");
        }
        JWSHeader header = jwt.getHeader();
        if (!allowed.contains(header.getAlgorithm())) {
            throw new Invalid("signing algorithm " + header.getAlgorithm() + " is not allowed");
        }
        Instant now = clock.instant();
        PublicKey key = signingKey(header, trust.get(), now);
        try {
            if (!jwt.verify(verifier(key, header.getAlgorithm()))) {
                throw new Invalid("signature does not verify");
            }
        } catch (JOSEException e) {
            throw new Invalid("signature does not verify with the trusted key");
        }
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new Invalid("malformed claims");
        }
        if (!issuer.equals(claims.getIssuer())) {
            throw new Invalid("issuer is not " + issuer);
        }
        if (claims.getAudience() == null || !claims.getAudience().contains(service)) {
            throw new Invalid("audience is not " + service);
        }
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            throw new Invalid("token has no expiry (exp)");
        }
        if (now.isAfter(exp.toInstant().plus(leeway))) {
            throw new Invalid("token expired");
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.plus(leeway).isBefore(nbf.toInstant())) {
            throw new Invalid("token not valid yet");
        }
        refuseOverlongLifetime(exp.toInstant(), claims.getIssueTime(), now);
        List<AccessEntry> access;
        try {
            access = AccessEntry.fromClaimList(claims.getClaim("access"));
        } catch (IllegalArgumentException e) {
            throw new Invalid("malformed access claim");
        }
        return new Verified(claims.getSubject() == null ? "-" : claims.getSubject(), access, exp.toInstant());
    }

    /**
     * A token may not be valid for longer than {@code auth.token.maxlifetime}: neither from its iat, nor from now (an
     * iat in the future must not stretch it). A stolen or forged long-lived token is what this bounds.
     */
    private void refuseOverlongLifetime(Instant exp, Date iat, Instant now) throws Invalid {
        if (iat != null && Duration.between(iat.toInstant(), exp).compareTo(maxLifetime) > 0) {
            throw new Invalid("token lifetime " + Duration.between(iat.toInstant(), exp).toSeconds()
                    + "s exceeds auth.token.maxlifetime (" + maxLifetime.toSeconds() + "s)");
        }
        if (Duration.between(now, exp).compareTo(maxLifetime.plus(leeway)) > 0) {
            throw new Invalid("token expires in " + Duration.between(now, exp).toSeconds()
                    + "s, beyond auth.token.maxlifetime (" + maxLifetime.toSeconds() + "s)");
        }
    }

    private PublicKey signingKey(JWSHeader header, TokenTrust trust, Instant now) throws Invalid {
        List<Base64> x5c = header.getX509CertChain();
        if (x5c != null && !x5c.isEmpty()) {
            return chainToRoots(x5c, trust, now);
        }
        String kid = header.getKeyID();
        if (kid == null) {
            throw new Invalid("token names no key (no x5c, no kid)");
        }
        TokenTrust.PinnedKey key = trust.key(kid, now)
                .orElseThrow(() -> new Invalid("token signed by an untrusted key"));
        if (key.certificate() != null) {
            signerPolicy.check(key.certificate(), true);
        }
        return key.key();
    }

    private PublicKey chainToRoots(List<Base64> x5c, TokenTrust trust, Instant now) throws Invalid {
        List<X509Certificate> chain = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (Base64 der : x5c) {
                chain.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der.decode())));
            }
            X509Certificate leaf = chain.get(0);
            // The leaf itself may be in the bundle (Distribution publishes signing certificates directly).
            if (trust.pinned(leaf, now)) {
                // As Go's chain verification does for a leaf that is itself a root: its dates still count.
                leaf.checkValidity(Date.from(now));
                signerPolicy.check(leaf, true);
                return leaf.getPublicKey();
            }
            PKIXParameters params = new PKIXParameters(trust.anchorsAt(now));
            params.setRevocationEnabled(false);
            params.setDate(Date.from(now));
            CertPathValidator.getInstance("PKIX").validate(cf.generateCertPath(chain), params);
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            throw new Invalid("x5c signing certificate is outside its validity period");
        } catch (CertPathValidatorException e) {
            throw new Invalid(e.getReason() == CertPathValidatorException.BasicReason.EXPIRED
                    || e.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID
                    ? "x5c chain holds a certificate outside its validity period"
                    : "x5c chain does not lead to a trusted root");
        } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
            throw new Invalid("x5c chain does not lead to a trusted root");
        }
        signerPolicy.check(chain.get(0), false);
        return chain.get(0).getPublicKey();
    }

    private static JWSVerifier verifier(PublicKey key, JWSAlgorithm alg) throws Invalid, JOSEException {
        if (key instanceof RSAPublicKey rsa && JWSAlgorithm.Family.RSA.contains(alg)) {
            return new RSASSAVerifier(rsa);
        }
        if (key instanceof ECPublicKey ec && JWSAlgorithm.Family.EC.contains(alg)) {
            return new ECDSAVerifier(ec);
        }
        throw new Invalid("algorithm " + alg + " does not match the signing key");
    }
}
