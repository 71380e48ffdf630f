package dev.portcullis.registry.credentialprovider;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A ServiceAccount token issuer as the API server is one: RS256 tokens shaped like the projected tokens the kubelet
 * requests for a credential provider (pod-bound, with the {@code kubernetes.io} claims), and the check a TokenReview
 * does on them (signature, expiry, audience).
 */
public final class ServiceAccountTokens {
    public static final String ISSUER = "https://kubernetes.default.svc.cluster.local";
    private final RSAKey key;

    public ServiceAccountTokens() {
        try {
            key = new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public String mint(String namespace, String serviceAccount, String audience, Duration lifetime) {
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject("system:serviceaccount:" + namespace + ":" + serviceAccount)
                .audience(List.of(audience))
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime)))
                .jwtID(UUID.randomUUID().toString())
                .claim("kubernetes.io", Map.of(
                        "namespace", namespace,
                        "node", Map.of("name", "worker-1", "uid", UUID.randomUUID().toString()),
                        "pod", Map.of("name", serviceAccount + "-7d9f8c6b5-x2kqp", "uid", UUID.randomUUID().toString()),
                        "serviceaccount", Map.of("name", serviceAccount, "uid", UUID.randomUUID().toString())))
                .build();
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What a TokenReview answers: the user when the token is ours, unexpired and for one of {@code audiences}. */
    public Optional<String> review(String token, List<String> audiences) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            if (!jwt.verify(new RSASSAVerifier(key.toRSAPublicKey()))) {
                return Optional.empty();
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            if (claims.getExpirationTime() == null || !claims.getExpirationTime().toInstant().isAfter(Instant.now())) {
                return Optional.empty();
            }
            if (!audiences.isEmpty() && claims.getAudience().stream().noneMatch(audiences::contains)) {
                return Optional.empty();
            }
            return Optional.of(claims.getSubject());
        } catch (java.text.ParseException | JOSEException e) {
            return Optional.empty();
        }
    }

    /**
     * {@code status.user} of the TokenReview answer as a 1.30+ API server gives it for a pod-bound token: the user name
     * and, in {@code extra}, the pod and node the token is bound to.
     */
    public Optional<Map<String, Object>> reviewedUser(String token, List<String> audiences) {
        return review(token, audiences).map(user -> {
            try {
                Map<String, Object> bound = SignedJWT.parse(token).getJWTClaimsSet().getJSONObjectClaim("kubernetes.io");
                return Map.of("username", user, "extra", Map.of(
                        "authentication.kubernetes.io/pod-name", List.of(((Map<?, ?>) bound.get("pod")).get("name")),
                        "authentication.kubernetes.io/node-name", List.of(((Map<?, ?>) bound.get("node")).get("name"))));
            } catch (java.text.ParseException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
