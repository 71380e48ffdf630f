package dev.portcullis.registry.authserver;

import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;

import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code oidc_federation}: a login whose password is an ID token from a trusted issuer. The token's signature is
 * checked against the issuer's JWKS, then {@code iss} (exact), {@code aud} (contains the configured audience),
 * {@code exp}/{@code nbf}/{@code iat} (with {@code clock_skew}), {@code max_token_age} and the required claims; the
 * account is the {@code account_claim}, and the login's user name must be exactly that account, so an ACL written for
 * one pipeline cannot be reached by presenting another's token under its name. A password that is not a JWT, or a
 * JWT from an issuer not configured here, is not ours (NO_MATCH). Each refusal is one log line with its reason,
 * never the token.
 */
final class OidcFederationBackend implements LoginBackend {
    private static final System.Logger LOG = System.getLogger(OidcFederationBackend.class.getName());
    /** Larger than any ID token seen in practice (GitHub's are ~1.5 KiB); bigger passwords are not parsed. */
    private static final int MAX_TOKEN_LENGTH = 16 * 1024;

    private final Map<String, FederatedIssuer> byIssuer;
    private final Duration skew;
    private final Clock clock;

    private OidcFederationBackend(Map<String, FederatedIssuer> byIssuer, Duration skew, Clock clock) {
        this.byIssuer = byIssuer;
        this.skew = skew;
        this.clock = clock;
    }

    static OidcFederationBackend start(OidcFederationSettings s) throws ConfigException {
        Map<String, FederatedIssuer> byIssuer = new HashMap<>();
        for (OidcFederationSettings.Issuer i : s.issuers().values()) {
            byIssuer.put(i.issuer().toString(), FederatedIssuer.create(i, s));
        }
        LOG.log(System.Logger.Level.INFO, "oidc_federation: trusting ID tokens from {0}",
                String.join(", ", s.issuers().values().stream().map(i -> i.name() + "=" + i.issuer()).toList()));
        return new OidcFederationBackend(Map.copyOf(byIssuer), s.clockSkew(), Clock.systemUTC());
    }

    @Override
    public String name() {
        return OidcFederationSettings.SECTION;
    }

    @Override
    public LoginResult authenticate(String account, String password, String remoteAddress) {
        if (password == null || password.length() > MAX_TOKEN_LENGTH || password.chars().filter(c -> c == '.').count() != 2) {
            return LoginResult.noMatch();
        }
        JWT jwt;
        String iss;
        try {
            jwt = JWTParser.parse(password);
            iss = jwt.getJWTClaimsSet().getIssuer();
        } catch (ParseException | RuntimeException e) {
            return LoginResult.noMatch();
        }
        if (jwt instanceof EncryptedJWT) {
            return LoginResult.noMatch();
        }
        FederatedIssuer issuer = iss == null ? null : byIssuer.get(iss);
        if (issuer == null) {
            // Not ours: another backend may know the account. Still said once, since a CI job with the wrong
            // issuer URL configured is the usual cause.
            LOG.log(System.Logger.Level.INFO, "oidc_federation: token not accepted: reason=unknown issuer iss={0} account={1} address={2}",
                    iss == null ? "(none)" : Scopes.printable(iss), Scopes.printable(account), remoteAddress);
            return LoginResult.noMatch();
        }
        try {
            if (jwt instanceof PlainJWT) {
                throw new FederatedIssuer.Refused("unsigned token (alg none)");
            }
            JWTClaimsSet claims = issuer.verifySignature((SignedJWT) jwt);
            Map<String, List<String>> labels = check(issuer.settings(), claims, account);
            return LoginResult.allowed(labels);
        } catch (FederatedIssuer.Refused r) {
            LOG.log(System.Logger.Level.INFO, "oidc_federation: token refused: issuer={0} reason={1} account={2} address={3}",
                    issuer.settings().name(), r.getMessage(), Scopes.printable(account), remoteAddress);
            return LoginResult.denied();
        } catch (FederatedIssuer.Unavailable u) {
            return LoginResult.error(u.getMessage());
        }
    }

    /** The claim checks after the signature; returns the labels of an accepted token. */
    private Map<String, List<String>> check(OidcFederationSettings.Issuer s, JWTClaimsSet claims, String account)
            throws FederatedIssuer.Refused {
        if (!s.issuer().toString().equals(claims.getIssuer())) {
            throw new FederatedIssuer.Refused("iss does not match");
        }
        List<String> aud = claims.getAudience();
        if (aud == null || !aud.contains(s.audience())) {
            throw new FederatedIssuer.Refused("wrong audience (expected " + Scopes.printable(s.audience()) + ")");
        }
        Instant now = clock.instant();
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            throw new FederatedIssuer.Refused("no exp claim");
        }
        if (!now.minus(skew).isBefore(exp.toInstant())) {
            throw new FederatedIssuer.Refused("expired at " + exp.toInstant());
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.plus(skew).isBefore(nbf.toInstant())) {
            throw new FederatedIssuer.Refused("not valid before " + nbf.toInstant());
        }
        Date iat = claims.getIssueTime();
        if (iat != null && now.plus(skew).isBefore(iat.toInstant())) {
            throw new FederatedIssuer.Refused("issued in the future (" + iat.toInstant() + ")");
        }
        if (s.maxTokenAge() != null) {
            if (iat == null) {
                throw new FederatedIssuer.Refused("no iat claim (max_token_age is set)");
            }
            if (iat.toInstant().plus(s.maxTokenAge()).plus(skew).isBefore(now)) {
                throw new FederatedIssuer.Refused("older than max_token_age (issued " + iat.toInstant() + ")");
            }
        }
        for (Map.Entry<String, String> required : s.requiredClaims().entrySet()) {
            List<String> values = values(claims.getClaim(required.getKey()));
            if (values.isEmpty()) {
                throw new FederatedIssuer.Refused("missing required claim " + required.getKey());
            }
            if (!values.contains(required.getValue())) {
                throw new FederatedIssuer.Refused("claim " + required.getKey() + " is not " + Scopes.printable(required.getValue()));
            }
        }
        if (!(claims.getClaim(s.accountClaim()) instanceof String mapped) || mapped.isEmpty()) {
            throw new FederatedIssuer.Refused("account claim " + s.accountClaim() + " is missing or not a string");
        }
        if (!mapped.equals(account)) {
            throw new FederatedIssuer.Refused("user name is not the token's " + s.accountClaim() + " ("
                    + Scopes.printable(mapped) + ")");
        }
        Map<String, List<String>> labels = new LinkedHashMap<>();
        for (Map.Entry<String, String> l : s.labels().entrySet()) {
            List<String> v = values(claims.getClaim(l.getValue()));
            if (!v.isEmpty()) {
                labels.put(l.getKey(), v);
            }
        }
        return labels;
    }

    /** A claim's values as strings: a string, a number or boolean, or a list of them; empty when absent. */
    static List<String> values(Object claim) {
        List<String> out = new ArrayList<>();
        if (claim instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof String || o instanceof Number || o instanceof Boolean) {
                    out.add(String.valueOf(o));
                }
            }
        } else if (claim instanceof String || claim instanceof Number || claim instanceof Boolean) {
            out.add(String.valueOf(claim));
        }
        return out;
    }
}
