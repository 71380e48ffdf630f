package dev.portcullis.registry.proxy;

import dev.portcullis.registry.oci.Descriptor;
import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.Manifest;
import dev.portcullis.registry.oci.RegistryException;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.storage.LinkRecord;
import dev.portcullis.registry.storage.RegistryStorage;
import dev.portcullis.registry.storage.StoredManifest;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Bounds the cache: in each cached repository, the manifests and blob links not pulled (nor fetched) for the
 * upstream's {@code ttl} are removed, tags with them. The content itself is then unreferenced, and the garbage
 * collector ({@code storage.maintenance.gc}, or the {@code garbage-collect} command) frees it as it frees any
 * other. Hosted repositories are never touched.
 */
public final class CacheExpiry {
    private static final Logger LOG = Logger.getLogger(CacheExpiry.class.getName());
    private final ProxySettings settings;
    private final RegistryStorage storage;

    /** What one run removed. */
    public record Result(int manifests, int blobLinks) {}

    CacheExpiry(ProxySettings settings, RegistryStorage storage) {
        this.settings = settings;
        this.storage = storage;
    }

    Result run(Instant now) throws IOException {
        int manifests = 0;
        int blobs = 0;
        for (String name : storage.repositories()) {
            Optional<UpstreamSettings> owner = settings.owner(name);
            if (owner.isEmpty() || owner.get().expiry().isZero()) {
                continue;
            }
            Instant cutoff = now.minus(owner.get().expiry());
            RepositoryName repo = RepositoryName.parse(name);
            for (LinkRecord link : storage.manifestRevisionLinks(repo)) {
                if (link.linked().isBefore(cutoff) && storage.deleteManifest(repo, link.digest(), subject(repo, link.digest()))) {
                    manifests++;
                }
            }
            for (LinkRecord link : storage.blobLinks(repo)) {
                if (link.linked().isBefore(cutoff) && storage.unlinkBlob(repo, link.digest())) {
                    blobs++;
                }
            }
        }
        if (manifests + blobs > 0) {
            LOG.info("proxy cache expiry removed " + manifests + " manifests and " + blobs
                    + " blob links not pulled within their ttl; garbage collection frees their content");
        }
        return new Result(manifests, blobs);
    }

    private Optional<Digest> subject(RepositoryName repo, Digest digest) throws IOException {
        Optional<StoredManifest> m = storage.manifest(repo, digest);
        if (m.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Manifest.parse(m.get().content(), m.get().mediaType()).subjectDescriptor().map(Descriptor::digest);
        } catch (RegistryException unparsable) {
            return Optional.empty();
        }
    }
}
