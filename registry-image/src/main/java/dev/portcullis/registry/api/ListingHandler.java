package dev.portcullis.registry.api;

import dev.portcullis.registry.oci.ErrorCode;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.storage.RegistryStorage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.List;

/** The two paginated listings: {@code /v2/NAME/tags/list} and {@code /v2/_catalog}. */
final class ListingHandler {
    private final RegistryStorage storage;
    private final ApiSettings settings;

    ListingHandler(RegistryStorage storage, ApiSettings settings) {
        this.storage = storage;
        this.settings = settings;
    }

    Reply tags(RoutingContext ctx) throws IOException {
        RepositoryName repo = Params.repository(ctx);
        List<String> all = storage.tags(repo).orElseThrow(() -> ErrorCode.NAME_UNKNOWN.exception(repo.value()));
        int n = Params.pageSize(ctx, Integer.MAX_VALUE, Integer.MAX_VALUE);
        Page page = Page.of(all, Params.query(ctx, "last"), n);
        Reply reply = Reply.json(200, new JsonObject().put("name", repo.value()).put("tags", new JsonArray(page.items())));
        if (page.more() && !page.items().isEmpty()) {
            reply.header("Link", page.nextLink(settings.location("/v2/" + repo + "/tags/list"), n));
        }
        return reply;
    }

    Reply catalog(RoutingContext ctx) throws IOException {
        int max = settings.catalogMaxEntries();
        int n = Params.pageSize(ctx, max, max);
        Page page = Page.of(storage.repositories(), Params.query(ctx, "last"), n);
        Reply reply = Reply.json(200, new JsonObject().put("repositories", new JsonArray(page.items())));
        if (page.more() && !page.items().isEmpty()) {
            reply.header("Link", page.nextLink(settings.location("/v2/_catalog"), n));
        }
        return reply;
    }
}
