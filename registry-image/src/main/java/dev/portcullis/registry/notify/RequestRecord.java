package dev.portcullis.registry.notify;

import dev.portcullis.registry.api.RegistryApi;
import dev.portcullis.registry.auth.Identity;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import java.util.UUID;

/**
 * What an event says of the request that caused it, as Distribution's {@code request} and {@code actor} records, and
 * the base its target URLs start with.
 *
 * @param actor the authenticated subject, or null for an anonymous request (Distribution then sends {@code {}})
 */
record RequestRecord(String id, String addr, String host, String method, String userAgent, String actor, String baseUrl) {
    private static final String ID_KEY = "portcullis.request-id";

    static RequestRecord of(RoutingContext ctx, Optional<String> externalUrl, String prefix) {
        String id = ctx.get(ID_KEY);
        if (id == null) {
            id = UUID.randomUUID().toString();
            ctx.put(ID_KEY, id);
        }
        var request = ctx.request();
        String addr = request.remoteAddress() == null ? ""
                : request.remoteAddress().hostAddress() + ":" + request.remoteAddress().port();
        String host = request.authority() == null ? "" : request.authority().toString();
        Identity who = ctx.get(RegistryApi.IDENTITY, Identity.ANONYMOUS);
        String actor = who == Identity.ANONYMOUS || who.subject() == null || who.subject().equals("-") ? null : who.subject();
        String trimmedPrefix = prefix.substring(0, prefix.length() - 1);
        String base = externalUrl.orElseGet(() -> (request.isSSL() ? "https" : "http") + "://" + host) + trimmedPrefix;
        return new RequestRecord(id, addr, host, request.method().name(), request.getHeader("User-Agent"), actor, base);
    }
}
