package dev.portcullis.registry.authserver;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;

import java.text.ParseException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A password shaped like a signed JWT (JWS compact serialization: three base64url parts, a header with {@code alg}),
 * with its claims read but <em>not verified</em>. Its {@code iss} and {@code sub} only pick which
 * {@link SignedTokenBackend} must verify it; nothing here is trusted, so an attacker who writes any claims gains only
 * the choice of the verifier.
 */
record UnverifiedJwt(JWT jwt, JWTClaimsSet claims) {
    /** Larger than any ID token or ServiceAccount token seen in practice (GitHub's are ~1.5 KiB). */
    static final int MAX_LENGTH = 16 * 1024;
    /** An unsigned ({@code alg: none}) token has an empty third part; it is still routed, so its verifier names it. */
    private static final Pattern JWS_COMPACT = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");

    static Optional<UnverifiedJwt> parse(String password) {
        if (password == null || password.length() > MAX_LENGTH || !JWS_COMPACT.matcher(password).matches()) {
            return Optional.empty();
        }
        try {
            JWT jwt = JWTParser.parse(password);
            Algorithm alg = jwt.getHeader().getAlgorithm();
            if (!(jwt instanceof SignedJWT || jwt instanceof PlainJWT) || alg == null) {
                return Optional.empty();
            }
            return Optional.of(new UnverifiedJwt(jwt, jwt.getJWTClaimsSet()));
        } catch (ParseException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The unverified {@code iss}, or empty. */
    Optional<String> issuer() {
        return Optional.ofNullable(claims.getIssuer());
    }

    /** The unverified {@code sub}, or empty. */
    Optional<String> subject() {
        return Optional.ofNullable(claims.getSubject());
    }
}
