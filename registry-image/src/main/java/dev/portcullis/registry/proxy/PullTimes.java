package dev.portcullis.registry.proxy;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.storage.RegistryStorage;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Records that cached content was pulled, in the storage (its link times, which {@link CacheExpiry} reads), so that
 * expiry survives restarts and works across replicas. A link is touched at most once per tenth of the expiry (and
 * at least hourly): a popular image costs a storage write now and then, not on every pull.
 */
final class PullTimes {
    private static final Logger LOG = Logger.getLogger(PullTimes.class.getName());
    private final RegistryStorage storage;
    private final Map<String, Instant> lastTouched = new ConcurrentHashMap<>();

    PullTimes(RegistryStorage storage) {
        this.storage = storage;
    }

    void pulled(CacheTarget target, Digest digest) {
        Duration expiry = target.upstream().expiry();
        if (expiry.isZero()) {
            return;
        }
        String key = target.localRepository() + "@" + digest;
        Instant now = Instant.now();
        Instant last = lastTouched.get(key);
        if (last != null && last.plus(PullThroughCache.touchInterval(expiry)).isAfter(now)) {
            return;
        }
        lastTouched.put(key, now);
        try {
            storage.touchLinks(RepositoryName.parse(target.localRepository()), digest);
        } catch (IOException e) {
            // Only the expiry is affected: the content may expire a little early and be fetched again.
            LOG.fine("cannot record the pull of " + key + ": " + e.getMessage());
        }
    }
}
