package dev.portcullis.registry.server;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import sun.misc.Signal;

/**
 * SIGTERM (Kubernetes stopping a pod) and SIGINT run the drain and then exit 0, instead of the JVM's default of dying
 * at once with 143: a rolling update must let pushes in flight finish.
 */
public final class GracefulShutdown {
    private static final Logger LOG = Logger.getLogger(GracefulShutdown.class.getName());
    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private GracefulShutdown() {}

    public static void onTerminationSignals(Runnable drain) {
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> {
                if (!STARTED.compareAndSet(false, true)) {
                    return;
                }
                Thread t = new Thread(() -> {
                    LOG.info("SIG" + signal.getName() + " received: stopping gracefully");
                    drain.run();
                    LOG.info("stopped");
                    System.exit(0);
                }, "graceful-shutdown");
                t.start();
            });
        }
    }
}
