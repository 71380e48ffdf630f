package dev.portcullis.registry.authserver;

/**
 * One source of access rules, as docker_auth's {@code authz.Authorizer}: the static {@code acl}, {@code acl_mongo},
 * {@code ext_authz}. For each requested resource the backends are asked in docker_auth's order and the first that
 * does not answer NO_MATCH decides; when none matches, nothing is granted.
 */
public interface AccessBackend extends AutoCloseable {
    /** The docker_auth section it was configured from ({@code acl}, {@code acl_mongo}, ...). */
    String name();

    /** Decides one resource; called from worker threads, concurrently. Must not throw: a failure is ERROR. */
    AccessDecision authorize(AccessRequest request);

    @Override
    default void close() {
    }
}
