package dev.portcullis.registry.server;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import sun.misc.Signal;

/**
 * SIGTERM (Kubernetes stopping a pod) and SIGINT run the drain and then exit 0, instead of the JVM's default of dying
 * at once with 143: a rolling update must let pushes in flight finish.
 *
 * <p>The handlers are installed before the server starts ({@link #install()}) and the drain is named once it has
 * ({@link #drainWith}): a signal that arrives while the listener already answers but start-up (warm-up, checks) has
 * not returned waits for the drain instead of meeting the JVM's default handler.
 */
public final class GracefulShutdown {
    private static final Logger LOG = Logger.getLogger(GracefulShutdown.class.getName());

    private final AtomicBoolean signalled = new AtomicBoolean();
    private final CompletableFuture<Runnable> drain = new CompletableFuture<>();

    private GracefulShutdown() {}

    /** Takes over SIGTERM and SIGINT for this process; call before anything starts listening. */
    public static GracefulShutdown install() {
        GracefulShutdown shutdown = new GracefulShutdown();
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), shutdown::onSignal);
        }
        return shutdown;
    }

    /** What a termination signal runs before the process exits 0. */
    public void drainWith(Runnable drainAndClose) {
        drain.complete(drainAndClose);
    }

    private void onSignal(Signal signal) {
        if (!signalled.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> {
            LOG.info("SIG" + signal.getName() + " received: stopping gracefully");
            drain.join().run();
            LOG.info("stopped");
            System.exit(0);
        }, "graceful-shutdown");
        t.start();
    }
}
