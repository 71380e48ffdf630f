package dev.portcullis.registry.authserver;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.util.Base64;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.registry.auth.token.AccessEntry;
import dev.portcullis.registry.auth.token.KidFormat;
import dev.portcullis.registry.auth.token.TokenAlgorithms;

import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64.Encoder;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Mints the registry's bearer tokens (the claims Distribution reads: iss, sub, aud, exp, nbf, iat, jti, access)
 * and the OAuth2 refresh tokens. A refresh token is a JWT too, but with audience {@code refresh:SERVICE} and
 * {@code token_use: refresh} and no access claim: a registry refuses it for its audience, and this issuer refuses
 * an access token offered as a refresh token. Refresh tokens are accepted when signed by any trusted key, so a
 * signing-key rotation does not log every client out; each carries the account's credential version, so a password
 * change does.
 */
final class TokenIssuer {
    static final String REFRESH_AUDIENCE_PREFIX = "refresh:";
    /** The refresh token's claim with the account's credential version ({@link UserStore#credentialVersion}). */
    static final String CREDENTIAL_VERSION = "pcv";
    /** Tolerated clock difference between this issuer and the registries (nbf is set this far in the past). */
    static final Duration SKEW = Duration.ofSeconds(10);

    private final String issuer;
    private final Duration expiration;
    private final Duration refreshExpiration;
    private final boolean includeX5c;
    private final List<X509Certificate> trusted;
    private final KidFormat kidFormat;
    private final Clock clock;
    /**
     * The key tokens are signed with now; the keys published for registries (it and the trusted certificates); the
     * signing keys it replaced, which only verify refresh tokens, with when they were replaced.
     */
    private record Keys(SigningKey signing, Map<String, PublicKey> trustedByKid, Map<String, Former> former) {
    }

    private record Former(PublicKey key, Instant retiredAt) {
    }

    private volatile Keys keys;

    /** A minted access token with the facts the token response repeats. */
    record Issued(String token, long expiresInSeconds, Instant issuedAt) {
    }

    /** A refresh token that must not be honoured; the message is safe to return. */
    static final class InvalidGrantException extends Exception {
        InvalidGrantException(String message) {
            super(message);
        }
    }

    TokenIssuer(String issuer, Duration expiration, Duration refreshExpiration, SigningKey signingKey, boolean includeX5c,
                List<X509Certificate> trusted, KidFormat kidFormat, Clock clock) {
        this.issuer = issuer;
        this.expiration = expiration;
        this.refreshExpiration = refreshExpiration;
        this.includeX5c = includeX5c;
        this.trusted = List.copyOf(trusted);
        this.kidFormat = kidFormat;
        this.clock = clock;
        this.keys = keys(signingKey, Map.of());
    }

    private Keys keys(SigningKey signing, Map<String, Former> former) {
        Map<String, PublicKey> byKid = new LinkedHashMap<>();
        byKid.put(signing.keyId, signing.chain.get(0).getPublicKey());
        for (X509Certificate c : trusted) {
            byKid.putIfAbsent(kidFormat.keyId(c.getPublicKey()), c.getPublicKey());
        }
        return new Keys(signing, Map.copyOf(byKid), Map.copyOf(former));
    }

    /**
     * Signs with {@code next} from now on (cert-manager renewed the Secret). The key it replaces keeps verifying the
     * refresh tokens it signed, until the longest of them has expired, so a renewal logs no client out. It is no longer
     * published: registries keep trusting it for their own overlap ({@code auth.token.maxlifetime}).
     */
    synchronized void useSigningKey(SigningKey next) {
        Keys current = keys;
        Instant now = clock.instant();
        Map<String, Former> former = new LinkedHashMap<>();
        current.former().forEach((kid, f) -> {
            if (now.isBefore(f.retiredAt().plus(refreshExpiration))) {
                former.put(kid, f);
            }
        });
        if (!current.signing().keyId.equals(next.keyId)) {
            former.put(current.signing().keyId, new Former(current.signing().chain.get(0).getPublicKey(), now));
        }
        former.remove(next.keyId);
        keys = keys(next, former);
    }

    /** The key tokens are signed with now. */
    SigningKey signingKey() {
        return keys.signing();
    }

    Issued issueAccess(String subject, String service, List<AccessEntry> access) throws JOSEException {
        Instant now = clock.instant();
        List<Object> claim = new ArrayList<>();
        for (AccessEntry e : access) {
            claim.add(e.toClaim());
        }
        JWTClaimsSet claims = base(subject, service, now, expiration).claim("access", claim).build();
        return new Issued(sign(claims), expiration.toSeconds(), now);
    }

    /** A refresh token bound to {@code credentialVersion}: it is honoured only while the account's entry has it. */
    String issueRefresh(String subject, String service, String credentialVersion) throws JOSEException {
        Instant now = clock.instant();
        JWTClaimsSet claims = base(subject, REFRESH_AUDIENCE_PREFIX + service, now, refreshExpiration)
                .claim("token_use", "refresh").claim(CREDENTIAL_VERSION, credentialVersion).build();
        return sign(claims);
    }

    /** What a verified refresh token says: whose it is, and which version of the account's password it was issued for. */
    record Refresh(String subject, String credentialVersion) {
    }

    /** Checks a refresh token for {@code service}. */
    Refresh verifyRefresh(String token, String service) throws InvalidGrantException {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            throw new InvalidGrantException("refresh token is malformed");
        }
        PublicKey key = jwt.getHeader().getKeyID() == null ? null : refreshKey(jwt.getHeader().getKeyID());
        if (key == null || !TokenAlgorithms.forKey(key).equals(jwt.getHeader().getAlgorithm())) {
            throw new InvalidGrantException("refresh token is not signed by a trusted key");
        }
        try {
            JWSVerifier verifier = key instanceof ECPublicKey ec ? new ECDSAVerifier(ec) : new RSASSAVerifier((RSAPublicKey) key);
            if (!jwt.verify(verifier)) {
                throw new InvalidGrantException("refresh token signature is invalid");
            }
            JWTClaimsSet c = jwt.getJWTClaimsSet();
            Instant now = clock.instant();
            if (!issuer.equals(c.getIssuer()) || !"refresh".equals(c.getClaim("token_use"))
                    || c.getAudience() == null || !c.getAudience().contains(REFRESH_AUDIENCE_PREFIX + service)) {
                throw new InvalidGrantException("refresh token is not for this service");
            }
            if (c.getExpirationTime() == null || !now.isBefore(c.getExpirationTime().toInstant())) {
                throw new InvalidGrantException("refresh token has expired");
            }
            if (c.getNotBeforeTime() != null && now.plus(SKEW).isBefore(c.getNotBeforeTime().toInstant())) {
                throw new InvalidGrantException("refresh token is not valid yet");
            }
            if (c.getSubject() == null || c.getSubject().isEmpty()) {
                throw new InvalidGrantException("refresh token has no subject");
            }
            if (!(c.getClaim(CREDENTIAL_VERSION) instanceof String version)) {
                // Issued before refresh tokens were bound to the password: the client logs in again, once.
                throw new InvalidGrantException("refresh token is not bound to a password; log in again");
            }
            return new Refresh(c.getSubject(), version);
        } catch (JOSEException | ParseException e) {
            throw new InvalidGrantException("refresh token cannot be verified");
        }
    }

    /** A key refresh tokens may be signed with: a published one, or a signing key replaced less than refresh_expiration ago. */
    private PublicKey refreshKey(String kid) {
        Keys k = keys;
        PublicKey key = k.trustedByKid().get(kid);
        Former f = k.former().get(kid);
        if (key == null && f != null && clock.instant().isBefore(f.retiredAt().plus(refreshExpiration))) {
            key = f.key();
        }
        return key;
    }

    /** The public keys this issuer signs with or accepts, by key id (for /.well-known/jwks.json). */
    Map<String, PublicKey> trustedKeys() {
        return keys.trustedByKid();
    }

    private JWTClaimsSet.Builder base(String subject, String audience, Instant now, Duration lifetime) {
        return new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject(subject)
                .audience(audience)
                .expirationTime(Date.from(now.plus(lifetime)))
                .notBeforeTime(Date.from(now.minus(SKEW)))
                .issueTime(Date.from(now))
                .jwtID(UUID.randomUUID().toString());
    }

    private String sign(JWTClaimsSet claims) throws JOSEException {
        SigningKey signingKey = keys.signing();
        JWSHeader.Builder header = new JWSHeader.Builder(signingKey.algorithm).type(JOSEObjectType.JWT).keyID(signingKey.keyId);
        if (includeX5c) {
            List<Base64> chain = new ArrayList<>();
            Encoder enc = java.util.Base64.getEncoder();
            for (X509Certificate c : signingKey.chain) {
                try {
                    chain.add(new Base64(enc.encodeToString(c.getEncoded())));
                } catch (CertificateEncodingException e) {
                    throw new JOSEException("cannot encode the signing certificate", e);
                }
            }
            header.x509CertChain(chain);
        }
        SignedJWT jwt = new SignedJWT(header.build(), claims);
        jwt.sign(signingKey.signer);
        return jwt.serialize();
    }
}
