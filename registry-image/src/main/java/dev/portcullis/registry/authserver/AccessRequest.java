package dev.portcullis.registry.authserver;

import java.util.List;
import java.util.Map;

/**
 * One resource asked for, with who asks: docker_auth's {@code AuthRequestInfo} ({@code ext_authz} gets it as JSON
 * with these names). {@code account} is "" for anonymous; {@code ip} may be null when unknown.
 */
public record AccessRequest(String account, String type, String name, String service, String ip, List<String> actions,
                            Map<String, List<String>> labels) {
    public AccessRequest {
        actions = List.copyOf(actions);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
