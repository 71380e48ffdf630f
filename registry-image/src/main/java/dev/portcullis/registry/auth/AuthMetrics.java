package dev.portcullis.registry.auth;

/** What the auth layer reports to metrics; {@link #NONE} until a registry is attached. */
public interface AuthMetrics {
    void success();

    void failure();

    void denied();

    void throttled();

    void cacheHit();

    /**
     * The token signers' certificates trusted now (auth.token.rootcertbundle and the JWKS keys' x5c, as reloaded),
     * for their expiry metric; asked for at every scrape.
     */
    default void watchTokenSigningCertificates(
            java.util.function.Supplier<java.util.List<java.security.cert.X509Certificate>> trusted) {
    }

    AuthMetrics NONE = new AuthMetrics() {
        @Override
        public void success() { }

        @Override
        public void failure() { }

        @Override
        public void denied() { }

        @Override
        public void throttled() { }

        @Override
        public void cacheHit() { }
    };
}
