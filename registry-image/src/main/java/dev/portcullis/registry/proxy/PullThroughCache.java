package dev.portcullis.registry.proxy;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.ErrorCode;
import dev.portcullis.registry.oci.Manifest;
import dev.portcullis.registry.oci.RegistryException;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.oci.Descriptor;
import dev.portcullis.registry.storage.RegistryStorage;
import dev.portcullis.registry.storage.StoredManifest;
import dev.portcullis.registry.storage.UploadState;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Logger;

/**
 * Pull-through caching over the registry's own storage, so that every driver caches and the garbage collector sees
 * cached content like any other. Digests are immutable: once stored, never asked upstream again. A tag is served
 * from the cache for its upstream's {@code tagttl}, then re-validated with a HEAD; when the upstream fails (down,
 * timing out, rate limiting) the cached tag is served anyway. Blobs are fetched once however many clients pull them
 * at the same moment, and reach the storage only once they matched their digest.
 */
public final class PullThroughCache implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PullThroughCache.class.getName());
    private static final int COPY_CHUNK = 256 * 1024;

    private final ProxySettings settings;
    private final RegistryStorage storage;
    private final ProxyMetrics metrics;
    private final Map<String, UpstreamClient> clients = new ConcurrentHashMap<>();
    private final Map<Digest, CompletableFuture<InFlightBlob>> inFlight = new ConcurrentHashMap<>();
    /** When each cached tag was last confirmed upstream; a restart re-validates each tag once. */
    private final Map<String, Instant> validated = new ConcurrentHashMap<>();
    private final PullTimes pullTimes;
    /** Which cached repository each fetched blob went to, so another repository of that upstream can mount it. */
    private final Map<Digest, String> fetchedInto = new ConcurrentHashMap<>();
    private final Path downloads;
    private final ExecutorService fetchers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "portcullis-proxy-fetch");
        t.setDaemon(true);
        return t;
    });

    private final java.util.concurrent.ScheduledExecutorService expiryTimer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "portcullis-proxy-expiry");
        t.setDaemon(true);
        return t;
    });

    /** What a blob request gets: the blob as stored, or a stream of it while it arrives. */
    public sealed interface BlobAnswer permits Stored, Arriving, Remote {}

    /** In the storage, linked in the local repository: serve it as any stored blob. */
    public record Stored(long size) implements BlobAnswer {}

    /** On its way from the upstream; the caller sends and closes the stream. */
    public record Arriving(long size, InputStream stream) implements BlobAnswer {}

    /** Exists upstream and is not cached (a HEAD does not fetch it). */
    public record Remote(long size) implements BlobAnswer {}

    public PullThroughCache(ProxySettings settings, RegistryStorage storage, ProxyMetrics metrics, Path downloads)
            throws IOException {
        this.settings = settings;
        this.storage = storage;
        this.metrics = metrics;
        this.downloads = Files.createDirectories(downloads);
        this.pullTimes = new PullTimes(storage);
        for (UpstreamSettings u : settings.upstreams()) {
            clients.put(u.name(), new UpstreamClient(u));
        }
    }

    public ProxySettings settings() {
        return settings;
    }

    /** The cache a request goes to, or empty for a hosted repository. */
    public Optional<CacheTarget> route(String repository, String ns) {
        return settings.resolve(repository, ns);
    }

    /** Whether the storage holds a repository cached from {@code upstream} (one listing of the repositories). */
    public boolean holdsRepositoriesOf(UpstreamSettings upstream) throws IOException {
        String prefix = upstream.prefix() + "/";
        return storage.repositories().stream().anyMatch(r -> r.startsWith(prefix));
    }

    /** Probes the upstream for the readiness check. */
    public void ping(UpstreamSettings upstream) throws IOException {
        clients.get(upstream.name()).ping();
    }

    // ---- manifests ---------------------------------------------------------------------------------------------

    public StoredManifest manifest(CacheTarget target, String reference) throws IOException {
        RepositoryName local = RepositoryName.parse(target.localRepository());
        String upstream = target.upstream().name();
        if (Digest.looksLikeDigest(reference)) {
            Digest digest = Digest.parse(reference);
            Optional<StoredManifest> cached = storage.manifest(local, digest);
            if (cached.isPresent()) {
                metrics.hit(upstream, "manifest");
                pullTimes.pulled(target, digest);
                return cached.get();
            }
            try {
                return fetchManifest(target, local, reference, Optional.of(digest));
            } catch (UpstreamException e) {
                throw answer(e, target, "manifest " + reference, ErrorCode.MANIFEST_UNKNOWN);
            }
        }
        if (!dev.portcullis.registry.oci.Tag.isValid(reference)) {
            throw ErrorCode.MANIFEST_INVALID.exception("invalid tag");
        }
        Optional<StoredManifest> cached = Optional.empty();
        Optional<Digest> tagged = storage.resolveTag(local, reference);
        if (tagged.isPresent()) {
            cached = storage.manifest(local, tagged.get());
        }
        String key = target.localRepository() + ":" + reference;
        Instant confirmed = validated.get(key);
        if (cached.isPresent() && confirmed != null
                && confirmed.plus(target.upstream().tagTtl()).isAfter(Instant.now())) {
            metrics.hit(upstream, "manifest");
            pullTimes.pulled(target, cached.get().digest());
            return cached.get();
        }
        try {
            if (cached.isPresent()) {
                Optional<String> current;
                try (UpstreamClient.Response head = client(target).manifest(target.remoteRepository(), reference, true)) {
                    current = head.header("Docker-Content-Digest");
                }
                if (current.isPresent() && current.get().equals(cached.get().digest().toString())) {
                    validated.put(key, Instant.now());
                    metrics.hit(upstream, "manifest");
                    pullTimes.pulled(target, cached.get().digest());
                    return cached.get();
                }
            }
            StoredManifest fetched = fetchManifest(target, local, reference, Optional.empty());
            validated.put(key, Instant.now());
            return fetched;
        } catch (UpstreamException e) {
            if (cached.isPresent() && !e.notFound()) {
                LOG.warning("serving cached " + target.localRepository() + ":" + reference + " (" + e.getMessage() + ")");
                metrics.stale(upstream);
                pullTimes.pulled(target, cached.get().digest());
                return cached.get();
            }
            throw answer(e, target, "manifest " + reference, ErrorCode.MANIFEST_UNKNOWN);
        }
    }

    private StoredManifest fetchManifest(CacheTarget target, RepositoryName local, String reference,
                                         Optional<Digest> expected) throws IOException {
        byte[] content;
        Optional<String> announced;
        try (UpstreamClient.Response r = client(target).manifest(target.remoteRepository(), reference, false)) {
            if (r.contentLength() > UpstreamClient.MAX_MANIFEST_BYTES) {
                throw new UpstreamException("upstream " + target.upstream().name() + " sent a manifest larger than "
                        + UpstreamClient.MAX_MANIFEST_BYTES + " bytes", 502, Optional.empty());
            }
            content = readAtMost(r.body(), UpstreamClient.MAX_MANIFEST_BYTES, target);
            announced = r.header("Docker-Content-Digest");
            String type = r.header("Content-Type").orElse(null);
            metrics.miss(target.upstream().name(), "manifest");
            metrics.upstreamBytes(target.upstream().name(), content.length);
            // By digest, the content must be that digest; by tag, the digest the upstream announced, when it did.
            Optional<Digest> claimed = expected.or(() -> announced.flatMap(PullThroughCache::parseDigest));
            Digest digest = claimed.orElseGet(() -> Digest.sha256(content));
            if (!digest.equals(Digest.of(digest.algorithm(), content))) {
                throw new UpstreamException("upstream " + target.upstream().name() + " sent a manifest that does not match "
                        + digest, 502, Optional.empty());
            }
            Manifest parsed;
            try {
                parsed = Manifest.parse(content, type);
            } catch (RegistryException unsupported) {
                throw new UpstreamException("upstream " + target.upstream().name() + " sent a manifest this registry cannot"
                        + " store (" + unsupported.getMessage() + ")", 502, Optional.empty());
            }
            StoredManifest stored = new StoredManifest(digest, parsed.mediaType(), content);
            List<String> tags = Digest.looksLikeDigest(reference) ? List.of() : List.of(reference);
            storage.putManifest(local, stored, tags, parsed.subjectDescriptor().map(Descriptor::digest));
            return stored;
        }
    }

    private static Optional<Digest> parseDigest(String header) {
        try {
            return Optional.of(Digest.parse(header.strip()));
        } catch (RegistryException malformed) {
            return Optional.empty();
        }
    }

    private byte[] readAtMost(InputStream in, int max, CacheTarget target) throws IOException {
        byte[] content = in.readNBytes(max + 1);
        if (content.length > max) {
            throw new UpstreamException("upstream " + target.upstream().name() + " sent a manifest larger than " + max
                    + " bytes", 502, Optional.empty());
        }
        return content;
    }

    // ---- blobs -------------------------------------------------------------------------------------------------

    public BlobAnswer blob(CacheTarget target, Digest digest, boolean head) throws IOException {
        RepositoryName local = RepositoryName.parse(target.localRepository());
        String upstream = target.upstream().name();
        Optional<Long> size = storage.blobSize(local, digest);
        if (size.isPresent()) {
            fetchedInto.putIfAbsent(digest, local.value());
            metrics.hit(upstream, "blob");
            pullTimes.pulled(target, digest);
            return new Stored(size.get());
        }
        if (mountFromCache(target, local, digest)) {
            metrics.hit(upstream, "blob");
            return new Stored(storage.blobSize(local, digest).orElseThrow());
        }
        CompletableFuture<InFlightBlob> mine = new CompletableFuture<>();
        CompletableFuture<InFlightBlob> running = inFlight.putIfAbsent(digest, mine);
        if (running != null) {
            Optional<BlobAnswer> joined = join(running, target, local, digest, head);
            if (joined.isPresent()) {
                metrics.hit(upstream, "blob");
                return joined.get();
            }
            throw ErrorCode.UNAVAILABLE.exception("the upstream transfer of " + digest + " this pull joined failed; retry");
        }
        try {
            // Another request may have finished the same blob between our look and our claim.
            if (storage.blobSize(local, digest).isPresent() || mountFromCache(target, local, digest)) {
                inFlight.remove(digest, mine);
                mine.completeExceptionally(new IOException("already stored"));
                return new Stored(storage.blobSize(local, digest).orElseThrow());
            }
            InFlightBlob blob = startFetch(target, local, digest, mine);
            return head ? new Remote(blob.size()) : new Arriving(blob.size(), blob.open());
        } catch (UpstreamException e) {
            inFlight.remove(digest, mine);
            mine.completeExceptionally(e);
            throw answer(e, target, "blob " + digest, ErrorCode.BLOB_UNKNOWN);
        } catch (IOException | RuntimeException e) {
            inFlight.remove(digest, mine);
            mine.completeExceptionally(e);
            throw e;
        }
    }

    /** Follows a transfer another request started; empty when it ended without storing the blob. */
    private Optional<BlobAnswer> join(CompletableFuture<InFlightBlob> running, CacheTarget target, RepositoryName local,
                                      Digest digest, boolean head) throws IOException {
        try {
            InFlightBlob blob = running.get();
            return Optional.of(head ? new Remote(blob.size()) : new Arriving(blob.size(), blob.open()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UpstreamException u) {
                throw answer(u, target, "blob " + digest, ErrorCode.BLOB_UNKNOWN);
            }
        } catch (java.nio.file.NoSuchFileException finished) {
            // The transfer completed and removed its file between our join and our open: the blob is stored now.
        }
        Optional<Long> size = storage.blobSize(local, digest);
        if (size.isPresent() || mountFromCache(target, local, digest)) {
            return Optional.of(new Stored(storage.blobSize(local, digest).orElseThrow()));
        }
        return Optional.empty();
    }

    private InFlightBlob startFetch(CacheTarget target, RepositoryName local, Digest digest,
                                    CompletableFuture<InFlightBlob> mine) throws IOException {
        UpstreamClient.Response response = client(target).blob(target.remoteRepository(), digest);
        long size = response.contentLength();
        Path file;
        try {
            if (size < 0) {
                throw new UpstreamException("upstream " + target.upstream().name() + " sent " + digest
                        + " without a Content-Length", 502, Optional.empty());
            }
            file = Files.createTempFile(downloads, "blob-", ".part");
        } catch (IOException e) {
            response.close();
            throw e;
        }
        metrics.miss(target.upstream().name(), "blob");
        InFlightBlob blob = new InFlightBlob(digest, file, size);
        mine.complete(blob);
        watchForStall(blob, response, mine);
        fetchers.execute(() -> transfer(target, local, blob, file, response, mine));
        return blob;
    }

    /**
     * An upstream that stops sending without closing would hold the transfer, and every later pull of the digest
     * that joins it, forever (the JDK client has no read timeout on a body): after the stall limit the transfer is
     * failed, forgotten, and its connection closed, so the next pull starts afresh.
     */
    private void watchForStall(InFlightBlob blob, UpstreamClient.Response response, CompletableFuture<InFlightBlob> mine) {
        java.util.concurrent.ScheduledFuture<?>[] self = new java.util.concurrent.ScheduledFuture<?>[1];
        self[0] = expiryTimer.scheduleWithFixedDelay(() -> {
            if (inFlight.get(blob.digest()) != mine) {
                self[0].cancel(false);
            } else if (blob.stalled()) {
                inFlight.remove(blob.digest(), mine);
                blob.failed(new IOException("upstream stopped sending " + blob.digest()));
                response.close();
                self[0].cancel(false);
            }
        }, 10, 10, java.util.concurrent.TimeUnit.SECONDS);
    }

    /**
     * Upstream into the storage's own upload (which hashes as it writes, and whose commit checks the digest and makes
     * the blob visible atomically), with every byte also written to the temporary file the clients read. The clients'
     * last byte waits for that commit: nobody gets a complete blob that did not match its digest.
     */
    private void transfer(CacheTarget target, RepositoryName local, InFlightBlob blob, Path file,
                          UpstreamClient.Response response, CompletableFuture<InFlightBlob> mine) {
        String upstream = target.upstream().name();
        UploadState upload = null;
        boolean committed = false;
        try (response; InputStream in = response.body(); OutputStream out = Files.newOutputStream(file)) {
            upload = storage.startUpload(local);
            InputStream tee = new InputStream() {
                private long total;

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = in.read(b, off, len);
                    if (n > 0) {
                        if (total + n > blob.size()) {
                            throw new IOException("upstream " + upstream + " sent more than the " + blob.size()
                                    + " bytes it announced");
                        }
                        out.write(b, off, n);
                        total += n;
                        metrics.upstreamBytes(upstream, n);
                        blob.advanced(n);
                    }
                    return n;
                }
            };
            storage.appendToUpload(local, upload.id(), 0, blob.size(), tee);
            storage.commitUpload(local, upload.id(), blob.digest());
            committed = true;
            fetchedInto.put(blob.digest(), local.value());
            blob.verified();
            pullTimes.pulled(target, blob.digest());
        } catch (IOException | RuntimeException e) {
            metrics.upstreamError(upstream, 0);
            String why = e instanceof RegistryException r && r.code() == ErrorCode.DIGEST_INVALID
                    ? "the content does not match its digest" : e.getMessage();
            LOG.warning("caching " + blob.digest() + " from " + upstream + " failed, nothing stored: " + why);
            // Forgotten before its readers hear of the failure: a client that retries at once must start a new
            // transfer, not join this failed one (it did, and got a closed connection).
            inFlight.remove(blob.digest(), mine);
            blob.failed(e instanceof IOException io ? io : new IOException(why, e));
        } finally {
            if (upload != null && !committed) {
                try {
                    storage.cancelUpload(local, upload.id());
                } catch (IOException | RuntimeException e) {
                    LOG.fine("cannot cancel the upload of " + blob.digest() + ": " + e.getMessage());
                }
            }
            inFlight.remove(blob.digest(), mine);
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warning("cannot remove " + file + ": " + e.getMessage());
            }
        }
    }

    /**
     * A blob this cache already fetched for another repository of the same upstream is mounted instead of fetched
     * again, once a HEAD shows the upstream serves it in this repository too (to these credentials): the cache must
     * not widen what a repository holds. Only the cache's own repositories are sources: searching the storage for the
     * digest would hand a hosted repository's blob to anyone who knows its digest.
     */
    private boolean mountFromCache(CacheTarget target, RepositoryName local, Digest digest) throws IOException {
        String from = fetchedInto.get(digest);
        if (from == null || from.equals(local.value())
                || !settings.owner(from).map(u -> u.name().equals(target.upstream().name())).orElse(false)) {
            return false;
        }
        try (UpstreamClient.Response present = client(target).blobHead(target.remoteRepository(), digest)) {
            // Only the answer matters: the upstream has this digest in this repository.
        } catch (UpstreamException notThere) {
            return false;
        }
        return storage.mountBlob(RepositoryName.parse(from), local, digest);
    }

    private UpstreamClient client(CacheTarget target) {
        return clients.get(target.upstream().name());
    }

    /** The upstream's failure as the spec's error, for a request the cache cannot answer itself. */
    private RegistryException answer(UpstreamException e, CacheTarget target, String what, ErrorCode notFound) {
        metrics.upstreamError(target.upstream().name(), e.status());
        String where = " (" + target.remoteRepository() + " at upstream " + target.upstream().name() + ")";
        return switch (e.status()) {
            case 404 -> notFound.exception(what + " not found" + where);
            case 401, 403 -> ErrorCode.DENIED.exception(e.getMessage() + ": " + what + where
                    + " does not exist there or the cache's credentials may not pull it");
            case 429 -> {
                RegistryException r = ErrorCode.TOOMANYREQUESTS.exception(e.getMessage());
                yield e.retryAfter().map(v -> r.withHeader("Retry-After", v)).orElse(r);
            }
            default -> ErrorCode.UNAVAILABLE.exception(e.getMessage());
        };
    }

    /** Removes cached content not pulled for its upstream's {@code ttl}; the garbage collector then frees it. */
    public CacheExpiry.Result expire() throws IOException {
        return new CacheExpiry(settings, storage).run(Instant.now());
    }

    /** Runs {@link #expire()} periodically: every half of the shortest upstream ttl, at most hourly. */
    public PullThroughCache startExpiry() {
        Duration shortest = settings.upstreams().stream().map(UpstreamSettings::expiry).filter(d -> !d.isZero())
                .min(Duration::compareTo).orElse(null);
        if (shortest == null) {
            return this;
        }
        Duration half = shortest.dividedBy(2);
        long millis = Math.max(1000, Math.min(half.toMillis(), Duration.ofHours(1).toMillis()));
        expiryTimer.scheduleWithFixedDelay(() -> {
            try {
                expire();
            } catch (IOException | RuntimeException e) {
                LOG.warning("proxy cache expiry failed, retrying in " + millis + " ms: " + e.getMessage());
            }
        }, millis, millis, java.util.concurrent.TimeUnit.MILLISECONDS);
        return this;
    }

    @Override
    public void close() {
        expiryTimer.shutdownNow();
        fetchers.shutdownNow();
    }

    static Duration touchInterval(Duration expiry) {
        Duration tenth = expiry.dividedBy(10);
        return tenth.compareTo(Duration.ofHours(1)) > 0 ? Duration.ofHours(1) : tenth;
    }
}
