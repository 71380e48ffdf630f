package dev.portcullis.registry.gc;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.storage.BlobRecord;
import dev.portcullis.registry.storage.LinkRecord;
import dev.portcullis.registry.storage.RegistryStorage;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Every repository's blob links and revisions, and every blob's content time, as read at one moment. */
final class StorageSnapshot {
    record RepoLink(RepositoryName repo, Instant linked) {}

    final Map<Digest, Instant> content = new HashMap<>();
    final Set<Digest> revisions = new HashSet<>();
    final Map<Digest, Instant> newestLink = new HashMap<>();
    final Map<Digest, List<RepoLink>> links = new HashMap<>();

    static StorageSnapshot read(RegistryStorage storage, CollectorLock lock) throws IOException {
        StorageSnapshot out = new StorageSnapshot();
        for (BlobRecord b : storage.allBlobs()) {
            out.content.put(b.digest(), b.written());
        }
        for (String name : storage.repositories()) {
            RepositoryName repo = new RepositoryName(name);
            lock.keep();
            for (LinkRecord r : storage.manifestRevisionLinks(repo)) {
                out.revisions.add(r.digest());
                out.newestLink.merge(r.digest(), r.linked(), StorageSnapshot::later);
            }
            for (LinkRecord r : storage.blobLinks(repo)) {
                out.newestLink.merge(r.digest(), r.linked(), StorageSnapshot::later);
                out.links.computeIfAbsent(r.digest(), k -> new ArrayList<>()).add(new RepoLink(repo, r.linked()));
            }
        }
        return out;
    }

    boolean linkedAfter(Digest d, Instant cutoff) {
        Instant t = newestLink.get(d);
        return t != null && t.isAfter(cutoff);
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
