package dev.portcullis.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.Operator;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * How the operator process stops. SIGTERM (Kubernetes stopping the pod) and SIGINT stop the
 * controllers, hand the leader Lease over and exit 0, well within the pod's grace period.
 *
 * <p>Why not a shutdown hook calling {@code Operator.stop()}: with leader election JOSDK reacts to
 * the end of leadership with {@code System.exit}, which, called inside a shutdown hook, waits for
 * that very hook: the pod hung until SIGKILL. JOSDK also never releases the Lease it holds
 * (its elector is built with releaseOnCancel off), so the standby waited out the lease duration;
 * and the JVM's default for SIGTERM is exit status 143, which shows a stopped pod as an Error. So
 * JOSDK is told not to exit ({@code exitOnStopLeading} off), the Lease is released here, and only
 * a lost Lease (another replica took over while this one lives) ends the process, with status 1,
 * so that the pod restarts as a standby.
 */
public final class OperatorShutdown {
  private static final Logger log = LoggerFactory.getLogger(OperatorShutdown.class);

  /** How long a reconcile in flight may take to finish when stopping. */
  public static final Duration RECONCILE_GRACE = Duration.ofSeconds(2);

  private final AtomicBoolean stopping = new AtomicBoolean();
  private final KubernetesClient client;
  private final Optional<LeaseHeld> lease;
  private volatile Operator operator;
  private volatile AutoCloseable endpoints;

  /** The Lease this process competes for: its namespace, name and this process's identity. */
  public record LeaseHeld(String namespace, String name, String identity) {}

  public OperatorShutdown(KubernetesClient client, Optional<LeaseHeld> lease) {
    this.client = client;
    this.lease = lease;
  }

  /** What to stop once started; then SIGTERM and SIGINT stop it. */
  public void install(Operator operator, AutoCloseable endpoints) {
    this.operator = operator;
    this.endpoints = endpoints;
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), signal -> {
        Thread t = new Thread(() -> {
          log.info("SIG{} received: stopping", signal.getName());
          stop();
          System.exit(0);
        }, "portcullis-shutdown");
        t.start();
      });
    }
  }

  /** The leader callback for a Lease lost while running: exit, unless we are stopping anyway. */
  public void leadershipLost() {
    if (stopping.get()) {
      return;
    }
    log.error("lost the leader Lease to another replica: exiting, to restart as a standby");
    new Thread(() -> System.exit(1), "portcullis-lost-lease").start();
  }

  /** Stops the controllers, releases the Lease, closes the client; once. */
  public void stop() {
    if (!stopping.compareAndSet(false, true)) {
      return;
    }
    long start = System.nanoTime();
    try {
      if (endpoints != null) {
        endpoints.close();
      }
    } catch (Exception e) {
      log.warn("closing the health endpoints: {}", e.toString());
    }
    if (operator != null) {
      operator.stop();
    }
    lease.ifPresent(this::release);
    client.close();
    log.info("stopped in {} ms", (System.nanoTime() - start) / 1_000_000);
  }

  /** As client-go releases a Lease: no holder, one second left, so a standby takes it at once. */
  private void release(LeaseHeld held) {
    try {
      var leases = client.leases().inNamespace(held.namespace()).withName(held.name());
      Lease current = leases.get();
      if (current == null || current.getSpec() == null
          || !held.identity().equals(current.getSpec().getHolderIdentity())) {
        return;
      }
      current.getSpec().setHolderIdentity(null);
      current.getSpec().setLeaseDurationSeconds(1);
      client.resource(current).update();
      log.info("released the leader Lease {}/{}", held.namespace(), held.name());
    } catch (KubernetesClientException e) {
      // the standby then takes over when the lease expires, as before
      log.warn("could not release the leader Lease {}/{}: {}", held.namespace(), held.name(),
          e.getMessage());
    }
  }
}
