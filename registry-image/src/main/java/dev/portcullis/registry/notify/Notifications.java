package dev.portcullis.registry.notify;

import dev.portcullis.registry.health.Checks;
import dev.portcullis.registry.health.HealthCheck;
import dev.portcullis.registry.storage.DriverRegistryStorage;
import dev.portcullis.registry.storage.RegistryStorage;
import dev.portcullis.registry.storage.driver.FilesystemDriver;
import dev.portcullis.registry.storage.s3.S3Driver;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.logging.Logger;

/**
 * The {@code notifications} section at work: an outbox and a dispatcher thread per active endpoint, on the registry's
 * own storage ({@code _notifications/ENDPOINT/} beside Distribution's {@code repositories/} and {@code blobs/}), and
 * the {@link Notifier} the API calls.
 */
public final class Notifications implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Notifications.class.getName());
    private static final long STOP_WAIT_MILLIS = 5000;
    /** The name of an endpoint's health check is this and the endpoint's name. */
    public static final String CHECK_PREFIX = "notifications_";
    private static final java.time.Duration CHECK_INTERVAL = java.time.Duration.ofSeconds(5);

    private final Notifier notifier;
    private final List<EndpointDispatcher> dispatchers;
    private final List<Thread> threads;

    private Notifications(Notifier notifier, List<EndpointDispatcher> dispatchers, List<Thread> threads) {
        this.notifier = notifier;
        this.dispatchers = dispatchers;
        this.threads = threads;
    }

    public static Notifications disabled() {
        return new Notifications(Notifier.NONE, List.of(), List.of());
    }

    /**
     * @param storage     the registry's storage, unwrapped (the outbox lives beside it), also the source of the leases
     * @param listenPort  the API's port, for the events' {@code source.addr} ({@code HOSTNAME:PORT} as Distribution)
     */
    public static Notifications start(NotificationSettings settings, RegistryStorage storage, MeterRegistry registry,
                                      Optional<String> externalUrl, String prefix, int listenPort) throws IOException {
        List<EndpointSettings> active = settings.active();
        if (active.isEmpty()) {
            return disabled();
        }
        String instanceId = UUID.randomUUID().toString();
        String sourceAddr = hostname() + ":" + listenPort;
        URI source = URI.create(externalUrl.orElse("//" + sourceAddr));
        EventRecords records = new EventRecords(sourceAddr, instanceId, settings.includeReferences());
        List<OutboxNotifier.Outlet> outlets = new ArrayList<>();
        List<EndpointDispatcher> dispatchers = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < settings.endpoints().size(); i++) {
            EndpointSettings e = settings.endpoints().get(i);
            if (e.disabled()) {
                continue;
            }
            String id = storageId(e.name());
            EndpointClient client = new EndpointClient("notifications.endpoints[" + i + "]", e, source);
            EndpointMeters meters = new EndpointMeters(registry, e.name());
            Outbox outbox = new Outbox(e.name(), store(storage, id), instanceId.substring(0, 8), e.backlog(), meters);
            EndpointDispatcher dispatcher = new EndpointDispatcher(e, outbox, client, meters, storage, "notify-" + id);
            outlets.add(new OutboxNotifier.Outlet(e, outbox, dispatcher));
            dispatchers.add(dispatcher);
            Thread t = new Thread(dispatcher, "portcullis-notify-" + e.name());
            t.setDaemon(true);
            threads.add(t);
            LOG.info("notifications: " + e);
        }
        threads.forEach(Thread::start);
        return new Notifications(new OutboxNotifier(List.copyOf(outlets), records, externalUrl, prefix), dispatchers, threads);
    }

    public Notifier notifier() {
        return notifier;
    }

    /**
     * One check per active endpoint, {@code notifications_NAME}: failing while the endpoint is backing off, with why.
     * For /readyz to report, never to gate: the registry serves and the outbox keeps the events meanwhile.
     */
    public List<HealthCheck> healthChecks() {
        List<HealthCheck> checks = new ArrayList<>();
        for (EndpointDispatcher d : dispatchers) {
            checks.add(Checks.check(CHECK_PREFIX + d.endpoint(), CHECK_INTERVAL, 1, () -> {
                Optional<String> why = d.backingOff();
                if (why.isPresent()) {
                    throw new IOException("endpoint " + d.endpoint() + " " + why.get());
                }
            }));
        }
        return checks;
    }

    /** The outbox of one endpoint on the registry's storage. */
    static OutboxStore store(RegistryStorage storage, String id) throws IOException {
        if (storage instanceof DriverRegistryStorage layered && layered.driver() instanceof FilesystemDriver fs) {
            return new FilesystemOutboxStore(fs.root().resolve("docker/registry/v2/_notifications").resolve(id));
        }
        if (storage instanceof DriverRegistryStorage layered && layered.driver() instanceof S3Driver s3) {
            return new S3OutboxStore(s3.client(), s3.settings().bucket(), s3.settings().v2Prefix() + "_notifications/" + id + "/");
        }
        if (storage instanceof DriverRegistryStorage layered) {
            // Any other driver (Azure, in-memory) through its small interface.
            return new DriverOutboxStore(layered.driver(), "/docker/registry/v2/_notifications/" + id);
        }
        throw new IllegalArgumentException("no outbox for storage " + storage.getClass().getSimpleName());
    }

    /**
     * A name fit for a folder, an object key and a lock ({@code [a-z0-9-]}): the endpoint's name, simplified, and a
     * hash of it so that two names that simplify alike stay apart.
     */
    static String storageId(String name) {
        String simple = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-+|-+$)", "");
        if (simple.length() > 40) {
            simple = simple.substring(0, 40);
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return (simple.isEmpty() ? "" : simple + "-") + HexFormat.of().formatHex(hash, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hostname() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** Stops delivering (what is queued stays in the outbox for the next start or another replica) and frees the leases. */
    @Override
    public void close() {
        dispatchers.forEach(EndpointDispatcher::close);
        threads.forEach(Thread::interrupt);
        for (Thread t : threads) {
            try {
                t.join(STOP_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
