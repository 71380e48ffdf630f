package dev.portcullis.registry.api;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.Manifest;
import dev.portcullis.registry.oci.MediaTypes;
import dev.portcullis.registry.oci.RegistryException;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.storage.RegistryStorage;
import dev.portcullis.registry.storage.StoredManifest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.Optional;

/** {@code GET /v2/NAME/referrers/DIGEST[?artifactType=...]}: the manifests whose subject is DIGEST, as an index. */
final class ReferrersHandler {
    private final RegistryStorage storage;

    ReferrersHandler(RegistryStorage storage) {
        this.storage = storage;
    }

    Reply list(RoutingContext ctx) throws IOException {
        RepositoryName repo = Params.repository(ctx);
        Digest subject = Params.digest(ctx, "digest");
        String filter = Params.query(ctx, "artifactType");
        JsonArray manifests = new JsonArray();
        for (Digest d : storage.referrers(repo, subject)) {
            Optional<StoredManifest> stored = storage.manifest(repo, d);
            if (stored.isEmpty()) {
                continue;
            }
            Manifest m;
            try {
                m = Manifest.parse(stored.get().content(), stored.get().mediaType());
            } catch (RegistryException unparsable) {
                continue;
            }
            String artifactType = m.effectiveArtifactType();
            if (filter != null && !filter.equals(artifactType)) {
                continue;
            }
            JsonObject desc = new JsonObject()
                    .put("mediaType", stored.get().mediaType())
                    .put("digest", d.toString())
                    .put("size", stored.get().content().length);
            if (artifactType != null) {
                desc.put("artifactType", artifactType);
            }
            if (!m.annotations().isEmpty()) {
                desc.put("annotations", new JsonObject(new java.util.LinkedHashMap<>(m.annotations())));
            }
            manifests.add(desc);
        }
        JsonObject index = new JsonObject().put("schemaVersion", 2).put("mediaType", MediaTypes.OCI_INDEX)
                .put("manifests", manifests);
        Reply reply = Reply.json(200, index, MediaTypes.OCI_INDEX);
        if (filter != null) {
            reply.header("OCI-Filters-Applied", "artifactType");
        }
        return reply;
    }
}
