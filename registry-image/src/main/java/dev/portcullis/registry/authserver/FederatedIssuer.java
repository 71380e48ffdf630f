package dev.portcullis.registry.authserver;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.ResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;

import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.net.URL;
import java.util.Set;

/**
 * One trusted issuer at run time: its discovery document (fetched at the first token, so an issuer that is down at
 * start does not stop the auth-server) and its JWKS, cached by nimbus's {@link JWKSourceBuilder} and refetched when a
 * token names a key id it has not seen (key rotation), at most as often as {@code jwks_min_refresh_interval} allows so
 * tokens with made-up key ids cannot make us hammer the issuer. Only RS256 and ES256 signatures are verified: never
 * {@code none}, never HMAC (whose "secret" would be the issuer's public key).
 */
final class FederatedIssuer {
    static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);
    private static final int SIZE_LIMIT = 512 * 1024;

    /** The token is refused; {@code reason} goes to the log and never quotes the token. */
    static final class Refused extends Exception {
        Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    /** The issuer could not be asked (down, bad TLS, bad discovery document): the login fails closed. */
    static final class Unavailable extends Exception {
        Unavailable(String detail) {
            super(detail, null, false, false);
        }
    }

    private final OidcFederationSettings.Issuer settings;
    private final OidcFederationSettings global;
    private final ResourceRetriever retriever;
    private volatile DefaultJWTProcessor<SecurityContext> processor;
    /** After a failed discovery, logins fail at once until then (System.nanoTime()), instead of each waiting. */
    private long discoveryRetryAt;
    private String discoveryFailure;

    private FederatedIssuer(OidcFederationSettings.Issuer settings, OidcFederationSettings global, ResourceRetriever retriever) {
        this.settings = settings;
        this.global = global;
        this.retriever = retriever;
    }

    static FederatedIssuer create(OidcFederationSettings.Issuer s, OidcFederationSettings global) throws ConfigException {
        int timeout = (int) global.timeout().toMillis();
        SSLSocketFactory tls = s.caCertificate() == null ? null
                : CaTrust.socketFactory(s.caCertificate(),
                        OidcFederationSettings.SECTION + ".issuers." + s.name() + ".ca_certificate");
        return new FederatedIssuer(s, global, new DefaultResourceRetriever(timeout, timeout, SIZE_LIMIT, true, tls));
    }

    OidcFederationSettings.Issuer settings() {
        return settings;
    }

    /** Verifies the signature against the issuer's keys and returns the (not yet checked) claims. */
    JWTClaimsSet verifySignature(SignedJWT jwt) throws Refused, Unavailable {
        if (!ALGORITHMS.contains(jwt.getHeader().getAlgorithm())) {
            throw new Refused("algorithm " + jwt.getHeader().getAlgorithm().getName() + " is not accepted (RS256, ES256 only)");
        }
        try {
            return processor().process(jwt, null);
        } catch (RateLimitReachedException e) {
            throw new Refused("no key for the token's key id, and the JWKS was fetched less than jwks_min_refresh_interval ago");
        } catch (KeySourceException e) {
            throw new Unavailable("cannot fetch the keys of " + settings.issuer() + ": " + e.getMessage());
        } catch (BadJWSException e) {
            throw new Refused("bad signature");
        } catch (BadJOSEException e) {
            throw new Refused("no key of the issuer matches the token's key id and algorithm");
        } catch (JOSEException e) {
            throw new Refused("signature cannot be checked: " + e.getClass().getSimpleName());
        }
    }

    private DefaultJWTProcessor<SecurityContext> processor() throws Unavailable {
        DefaultJWTProcessor<SecurityContext> p = processor;
        if (p != null) {
            return p;
        }
        synchronized (this) {
            if (processor != null) {
                return processor;
            }
            // Logins queue on this lock while the issuer is asked: without the pause, a burst of CI jobs during an
            // outage would each wait a full timeout in turn and hold the issuer's worker threads.
            if (discoveryFailure != null && System.nanoTime() - discoveryRetryAt < 0) {
                throw new Unavailable(discoveryFailure);
            }
            URL jwksUri;
            try {
                jwksUri = OidcDiscovery.jwksUri(settings.issuer(), retriever);
            } catch (IOException | RuntimeException e) {
                discoveryFailure = "discovery of " + settings.issuer() + " failed: " + e.getMessage();
                discoveryRetryAt = System.nanoTime() + global.timeout().toNanos();
                throw new Unavailable(discoveryFailure);
            }
            discoveryFailure = null;
            JWKSource<SecurityContext> keys = JWKSourceBuilder.<SecurityContext>create(jwksUri, retriever)
                    .cache(global.jwksCacheTtl().toMillis(), global.timeout().toMillis())
                    .refreshAheadCache(false)
                    .rateLimited(global.jwksMinRefreshInterval().toMillis())
                    .retrying(false)
                    .outageTolerant(false)
                    .build();
            p = new DefaultJWTProcessor<>();
            p.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys));
            // Claims are checked by OidcFederationBackend, which names each refusal's reason.
            p.setJWTClaimsSetVerifier(null);
            processor = p;
            return p;
        }
    }
}
