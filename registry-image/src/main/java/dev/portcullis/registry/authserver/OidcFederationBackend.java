package dev.portcullis.registry.authserver;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code oidc_federation}: a login whose password is an ID token from a trusted issuer. The token's signature is
 * checked against the issuer's JWKS, then {@code iss} (exact), {@code aud} (contains the configured audience),
 * {@code exp}/{@code nbf}/{@code iat} (with {@code clock_skew}), {@code max_token_age} and the required claims; the
 * account is the {@code account_claim}, and the login's user name must be exactly that account, so an ACL written for
 * one pipeline cannot be reached by presenting another's token under its name. It claims only tokens whose
 * (unverified) {@code iss} is a configured issuer; any other password is not its kind. Refusals are logged by the
 * {@link Authenticator} with the reason given here, never the token.
 */
final class OidcFederationBackend implements SignedTokenBackend {
    private static final System.Logger LOG = System.getLogger(OidcFederationBackend.class.getName());

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

    /** The user name: the backend accepts a token only when it is the token's account claim. */
    @Override
    public Optional<String> claimedAccount(UnverifiedJwt token, String userName) {
        return token.issuer().filter(byIssuer::containsKey).map(iss -> userName);
    }

    @Override
    public void unclaimed(UnverifiedJwt token, String userName, String remoteAddress) {
        // Said once, since a CI job with the wrong issuer URL configured is the usual cause; the password backends
        // still get it as a password.
        LOG.log(System.Logger.Level.INFO, "oidc_federation: token not accepted: reason=unknown issuer iss={0} account={1} address={2}",
                token.issuer().map(Scopes::printable).orElse("(none)"), Scopes.printable(userName), remoteAddress);
    }

    @Override
    public SignedTokenResult verify(String userName, UnverifiedJwt token, String remoteAddress) {
        FederatedIssuer issuer = token.issuer().map(byIssuer::get).orElse(null);
        if (issuer == null) {
            return new SignedTokenResult.Refused("unknown issuer");
        }
        try {
            if (!(token.jwt() instanceof SignedJWT signed)) {
                throw new FederatedIssuer.Refused("unsigned token (alg none)");
            }
            JWTClaimsSet claims = issuer.verifySignature(signed);
            return new SignedTokenResult.Verified(userName, check(issuer.settings(), claims, userName));
        } catch (FederatedIssuer.Refused r) {
            return new SignedTokenResult.Refused(java.util.Optional.of(issuer.settings().name()), r.getMessage());
        } catch (FederatedIssuer.Unavailable u) {
            return new SignedTokenResult.Unavailable(u.getMessage());
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
