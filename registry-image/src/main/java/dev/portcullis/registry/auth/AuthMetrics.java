package dev.portcullis.registry.auth;

/** What the auth layer reports to metrics; {@link #NONE} until a registry is attached. */
public interface AuthMetrics {
    void success();

    void failure();

    void denied();

    void throttled();

    void cacheHit();

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
