package dev.portcullis.registry.authserver;

import java.util.List;
import java.util.Map;

/**
 * One requested resource as docker_auth's authorizers see it ({@code api.AuthRequestInfo}): who asks (account "" for
 * anonymous, with the labels their authenticator gave), for what, from where ({@code address} may be null).
 */
record AuthorizationRequest(String account, String type, String name, String service, String address,
                            List<String> actions, Map<String, List<String>> labels) {
    AuthorizationRequest {
        actions = List.copyOf(actions);
        labels = Map.copyOf(labels);
    }
}
