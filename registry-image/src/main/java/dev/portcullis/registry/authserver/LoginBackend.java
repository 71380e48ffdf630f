package dev.portcullis.registry.authserver;

/**
 * One source of identities after the static users, as docker_auth's {@code authn.Authenticator}: {@code ldap_auth},
 * {@code mongo_auth}, {@code ext_auth}. The issuer asks them in docker_auth's order; the first answer other than
 * {@link LoginResult.Outcome#NO_MATCH} decides. The throttle, metrics and the log line are the caller's: a backend
 * only answers, and never puts the password in an exception or a log line.
 */
public interface LoginBackend extends AutoCloseable {
    /** The docker_auth section it was configured from ({@code ldap_auth}, ...): the name in logs and metrics. */
    String name();

    /**
     * Checks one login; called from worker threads, concurrently. {@code remoteAddress} is the client's IP address.
     * Must not throw for a user's mistake or an unreachable server: those are DENIED and ERROR.
     */
    LoginResult authenticate(String account, String password, String remoteAddress);

    @Override
    default void close() {
    }
}
