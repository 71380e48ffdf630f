package dev.portcullis.registry.auth;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * The one access decision point: may this request do these things? Fails with a
 * {@link dev.portcullis.registry.oci.RegistryException} (UNAUTHORIZED with its challenge headers, DENIED,
 * TOOMANYREQUESTS) when not.
 */
public interface Authorizer {

    Future<Identity> authorize(RoutingContext ctx, List<Access> needed);

    /** {@code auth} absent from the configuration: every request is allowed, as in Distribution. */
    Authorizer OPEN = (ctx, needed) -> Future.succeededFuture(Identity.ANONYMOUS);
}
