package dev.portcullis.registry.authserver;

import java.util.List;
import java.util.Optional;

/**
 * One of docker_auth's authorizers ({@code acl}, {@code acl_mongo}, {@code ext_authz}), asked in that order for each
 * requested resource: the first with an opinion decides, as in docker_auth's {@code authorizeScope}.
 */
interface Authorizer {
    /**
     * The actions allowed for {@code request} (a subset of the requested ones; empty = denied), or empty when this
     * authorizer has no opinion (docker_auth's {@code NoMatch}) and the next one decides. A backend that cannot
     * answer denies (fail closed) and logs one line; it never throws for that.
     */
    Optional<List<String>> authorize(AuthorizationRequest request);
}
