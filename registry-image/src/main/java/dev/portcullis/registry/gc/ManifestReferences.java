package dev.portcullis.registry.gc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.registry.oci.Descriptor;
import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.Manifest;
import dev.portcullis.registry.oci.RegistryException;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.storage.RegistryStorage;
import dev.portcullis.registry.storage.StoredManifest;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;

/** What the manifests of one repository point at, each read and parsed once per collection. */
final class ManifestReferences {
    private static final Logger LOG = Logger.getLogger(ManifestReferences.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a manifest points at. Unparseable manifests point conservatively at every digest their JSON mentions. */
    record Refs(Set<Digest> blobs, Set<Digest> children, Optional<Digest> subject) {
        static final Refs NONE = new Refs(Set.of(), Set.of(), Optional.empty());
    }

    private final RegistryStorage storage;
    private final RepositoryName repo;
    private final Map<Digest, Refs> known = new HashMap<>();

    ManifestReferences(RegistryStorage storage, RepositoryName repo) {
        this.storage = storage;
        this.repo = repo;
    }

    /** The references of manifest {@code d}; none if it is not (or no longer) in the repository. */
    Refs of(Digest d) throws IOException {
        Refs cached = known.get(d);
        if (cached != null) {
            return cached;
        }
        Optional<StoredManifest> stored = storage.manifest(repo, d);
        Refs r = stored.isEmpty() ? Refs.NONE : parse(stored.get());
        known.put(d, r);
        return r;
    }

    private static Refs parse(StoredManifest stored) {
        try {
            Manifest m = Manifest.parse(stored.content(), stored.mediaType());
            Set<Digest> blobs = new LinkedHashSet<>();
            // External (foreign) layers too: marking more than needed is always safe.
            if (m.config() != null) {
                blobs.add(m.config().digest());
            }
            m.layers().forEach(l -> blobs.add(l.digest()));
            Set<Digest> children = new LinkedHashSet<>();
            m.manifests().forEach(c -> children.add(c.digest()));
            return new Refs(blobs, children, m.subjectDescriptor().map(Descriptor::digest));
        } catch (RegistryException notOurs) {
            // Schema 1, or anything else we would not accept today: keep whatever it names.
            Set<Digest> all = new LinkedHashSet<>();
            try {
                collectDigests(JSON.readTree(stored.content()), all);
            } catch (IOException unreadable) {
                LOG.warning("manifest " + stored.digest() + " is not JSON; it marks nothing");
            }
            return new Refs(all, all, Optional.empty());
        }
    }

    private static void collectDigests(JsonNode node, Set<Digest> out) {
        if (node == null) {
            return;
        }
        if (node.isTextual()) {
            String t = node.textValue();
            if (Digest.looksLikeDigest(t)) {
                try {
                    out.add(Digest.parse(t));
                } catch (RegistryException notADigest) {
                    // Looked like one, is not.
                }
            }
            return;
        }
        for (JsonNode child : node) {
            collectDigests(child, out);
        }
    }
}
