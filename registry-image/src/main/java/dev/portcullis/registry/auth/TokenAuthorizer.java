package dev.portcullis.registry.auth;

import dev.portcullis.registry.auth.token.AccessEntry;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Distribution's {@code auth.token}: Bearer tokens from an issuer, each request checked against the token's
 * {@code access} claim; without a token (or with too little in it) the answer is the spec's challenge naming exactly
 * the scope needed. Verified tokens are remembered until they expire (keyed by their hash), so a client's repeated
 * requests cost a map lookup, not a signature check.
 */
public final class TokenAuthorizer implements Authorizer {
    private static final Logger LOG = Logger.getLogger(TokenAuthorizer.class.getName());
    private static final int CACHE_ENTRIES = 10_000;

    private final String realm;
    private final String service;
    private final TokenVerifier verifier;
    private final Clock clock;
    private final AuthMetrics metrics;
    private final Map<String, TokenVerifier.Verified> verified = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, TokenVerifier.Verified> eldest) {
            return size() > CACHE_ENTRIES;
        }
    };

    public TokenAuthorizer(String realm, String service, TokenVerifier verifier, Clock clock, AuthMetrics metrics) {
        this.realm = realm;
        this.service = service;
        this.verifier = verifier;
        this.clock = clock;
        this.metrics = metrics;
    }

    @Override
    public Future<Identity> authorize(RoutingContext ctx, List<Access> needed) {
        String header = ctx.request().getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Future.failedFuture(Challenges.bearer(realm, service, needed, null, "authentication required"));
        }
        TokenVerifier.Verified token;
        try {
            token = verified(header.substring(7).trim());
        } catch (TokenVerifier.Invalid e) {
            metrics.failure();
            // skopeo and ctr do not print the 401 body: the log is where an operator finds why (never the token).
            LOG.info("bearer token refused for " + ctx.request().method() + " " + ctx.request().path() + " from "
                    + (ctx.request().remoteAddress() == null ? "-" : ctx.request().remoteAddress().hostAddress()) + ": " + e.getMessage());
            return Future.failedFuture(Challenges.bearer(realm, service, needed, "invalid_token", e.getMessage()));
        }
        for (Access a : needed) {
            if (!grants(token.access(), a)) {
                metrics.denied();
                return Future.failedFuture(Challenges.bearer(realm, service, needed, "insufficient_scope",
                        "token does not grant " + a.scope()));
            }
        }
        metrics.success();
        return Future.succeededFuture(new Identity(token.subject(), "token"));
    }

    private TokenVerifier.Verified verified(String token) throws TokenVerifier.Invalid {
        String key = sha256(token);
        synchronized (verified) {
            TokenVerifier.Verified hit = verified.get(key);
            if (hit != null) {
                if (clock.instant().isBefore(hit.expires())) {
                    metrics.cacheHit();
                    return hit;
                }
                verified.remove(key);
            }
        }
        TokenVerifier.Verified fresh = verifier.verify(token);
        synchronized (verified) {
            verified.put(key, fresh);
        }
        return fresh;
    }

    /** The union of every entry for this resource must cover the actions; {@code *} covers all. */
    static boolean grants(List<AccessEntry> access, Access needed) {
        java.util.Set<String> granted = new java.util.HashSet<>();
        for (AccessEntry e : access) {
            if (e.type().equals(needed.type()) && e.name().equals(needed.name())) {
                granted.addAll(e.actions());
            }
        }
        return granted.contains("*") || granted.containsAll(needed.actions());
    }

    private static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
