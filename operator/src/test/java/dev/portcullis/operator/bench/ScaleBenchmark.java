package dev.portcullis.operator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.testsupport.MockCluster;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.certmanager.api.model.v1.Issuer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Issue 11, operator part: 100 SecureRegistries applied at once against the mock API server with
 * the fake cert-manager; how long until their dependents exist, their status is written and (once
 * the benchmark has played the kubelet) they are Ready; how many requests the operator made; its
 * heap; and whether a quiet period and a restart write anything. Prints figures, asserts only
 * correctness: a shared 2-core machine makes timings a report, not a contract.
 *
 * <p>Off in the normal build: run with {@code -Dportcullis.bench=true} (see operator/bench/).
 */
@EnabledIfSystemProperty(named = "portcullis.bench", matches = "true")
class ScaleBenchmark {

  static final int REGISTRIES = Integer.getInteger("portcullis.bench.registries", 100);
  static final int NAMESPACES = Integer.getInteger("portcullis.bench.namespaces", 10);
  static final Duration QUIET =
      Duration.ofSeconds(Long.getLong("portcullis.bench.quietSeconds", 30));
  /** Convergence is a correctness question: give up (and fail) only when something is stuck. */
  static final Duration PATIENCE = Duration.ofMinutes(10);
  /** The operator's requests carry it; the test's and the fake cert-manager's do not. */
  static final String OPERATOR_AGENT = "portcullis-operator-bench";

  @Test
  void hundredRegistriesConverge() throws Exception {
    var out = new StringBuilder();
    out.append(String.format("Portcullis operator scale benchmark, %s%n", Instant.now()));
    out.append(String.format("machine: %d cores, load average at start %s%n",
        Runtime.getRuntime().availableProcessors(), loadAverage()));
    out.append(String.format("mix: %d registries in %d namespaces: %s%n", REGISTRIES, NAMESPACES,
        "per 10: 6 TLS+htpasswd, 1 MutualTLS, 1 MutualTLS+nodeTrust, 2 with 3 replicas (RWX)"));

    try (var cluster = new MockCluster(true);
        KubernetesClient operatorClient = new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder(cluster.client.getConfiguration())
                .withUserAgent(OPERATOR_AGENT).build())
            .build();
        var recorder = new Recorder(cluster)) {
      try {
        run(cluster, operatorClient, recorder, out);
      } finally {
        // before its client closes: an operator outliving its client only logs informer errors
        cluster.stopOperator();
      }
    }
  }

  private void run(MockCluster cluster, KubernetesClient operatorClient, Recorder recorder,
      StringBuilder out) throws Exception {
    var client = cluster.client;
    long heapEmpty = usedHeapAfterGc();
    var statuses = new StatusHistory(client);

    cluster.startOperator(operatorClient);
    long heapStarted = usedHeapAfterGc();
    var atStart = recorder.snapshot();
    long reconcilesAtStart = cluster.reconciler.reconcileCount();

    // all at once: four threads, each a password Secret then its registry, nobody waits
    List<SecureRegistry> registries = new ArrayList<>();
    for (int i = 0; i < REGISTRIES; i++) {
      registries.add(registry(i, "bench" + (i % NAMESPACES)));
    }
    long t0 = System.nanoTime();
    long cpu0 = processCpuNanos();
    var pool = Executors.newFixedThreadPool(4);
    var creates = new ArrayList<java.util.concurrent.Future<?>>();
    for (var r : registries) {
      creates.add(pool.submit(() -> {
        String ns = r.getMetadata().getNamespace();
        String user = r.getSpec().auth.htpasswd.users.get(0).username;
        client.resource(Registries.password(ns, user, "bench-" + user)).create();
        client.resource(r).create();
      }));
    }
    pool.shutdown();
    for (var f : creates) {
      f.get(5, TimeUnit.MINUTES); // a failed create fails the run now, not after PATIENCE
    }
    double applied = seconds(t0);

    Set<String> expected = expectedDependents(registries);
    // the Secrets of Certificates are cert-manager's work (here the fake's), not the operator's
    Set<String> ownObjects = expected.stream()
        .filter(k -> !k.startsWith("Secret ") || k.endsWith("-htpasswd"))
        .collect(Collectors.toCollection(TreeSet::new));
    await("operator's objects", () -> missing(client, ownObjects).isEmpty());
    double own = seconds(t0);
    await("dependents", () -> missing(client, expected).isEmpty());
    double dependents = seconds(t0);
    var atDependents = recorder.snapshot();

    await("status", () -> statusWritten(client));
    double status = seconds(t0);
    double cpuToStatus = (processCpuNanos() - cpu0) / 1e9;
    var atStatus = recorder.snapshot();
    long reconcilesAtStatus = cluster.reconciler.reconcileCount();

    // the mock server has no Deployment controller: report the pods ready as the kubelet would
    long tKubelet = System.nanoTime();
    for (var d : client.apps().deployments().inAnyNamespace()
        .withLabel(Names.MANAGED_BY_LABEL, Names.MANAGED_BY).list().getItems()) {
      int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
      d.setStatus(new DeploymentStatusBuilder().withReplicas(replicas)
          .withReadyReplicas(replicas).withAvailableReplicas(replicas)
          .withObservedGeneration(d.getMetadata().getGeneration()).build());
      client.resource(d).updateStatus();
    }
    double kubelet = seconds(tKubelet);
    await("ready", () -> allReady(client));
    double ready = seconds(tKubelet);
    double total = seconds(t0);
    var atReady = recorder.snapshot();
    long reconcilesAtReady = cluster.reconciler.reconcileCount();

    // the last status patches' own events settle, then nothing should be written
    Thread.sleep(2000);
    var quietFrom = recorder.snapshot();
    recorder.operatorWrites.clear();
    long reconcilesQuietFrom = cluster.reconciler.reconcileCount();
    Thread.sleep(QUIET.toMillis());
    var quietTo = recorder.snapshot();
    List<String> quietWrites = new ArrayList<>(recorder.operatorWrites);
    long quietReconciles = cluster.reconciler.reconcileCount() - reconcilesQuietFrom;
    long heapConverged = usedHeapAfterGc();

    // without the operator, what is left is the mock server's store (and the test's classes)
    cluster.stopOperator();
    long heapServerOnly = usedHeapAfterGc();

    // a restarted operator reconciles all of them once: unchanged, so nothing may be written
    var restartFrom = recorder.snapshot();
    recorder.operatorWrites.clear();
    long reconcilesBeforeRestart = cluster.reconciler.reconcileCount();
    long tRestart = System.nanoTime();
    cluster.startOperator(operatorClient);
    double restartStarted = seconds(tRestart);
    await("restart", () -> cluster.reconciler.reconcileCount()
        >= reconcilesBeforeRestart + REGISTRIES);
    double restart = seconds(tRestart);
    Thread.sleep(3000);
    var restartTo = recorder.snapshot();
    List<String> restartWrites = new ArrayList<>(recorder.operatorWrites);
    long restartReconciles = cluster.reconciler.reconcileCount() - reconcilesBeforeRestart;
    long heapRestarted = usedHeapAfterGc();

    out.append(String.format("%n%-52s %12s%n", "measure", "value"));
    row(out, "apply 100 Secrets + 100 SecureRegistries (4 threads)", "%.1f s", applied);
    row(out, "until the operator's objects exist (" + ownObjects.size() + ")", "%.1f s", own);
    row(out, "until all dependents exist (" + expected.size() + ", with cert Secrets)",
        "%.1f s", dependents);
    row(out, "until every status has observedGeneration", "%.1f s", status);
    row(out, "writing 100 Deployment statuses (as the kubelet)", "%.1f s", kubelet);
    row(out, "until all Ready, from the first of those writes", "%.1f s", ready);
    row(out, "apply to all Ready", "%.1f s", total);
    row(out, "JVM CPU until status (operator+server+cert-mgr)", "%.1f s", cpuToStatus);
    row(out, "reconciles until status written", "%d", reconcilesAtStatus - reconcilesAtStart);
    row(out, "reconciles until Ready", "%d", reconcilesAtReady - reconcilesAtStart);
    var conv = atStatus.minus(atStart);
    var dep = atDependents.minus(atStart);
    row(out, "operator requests until dependents (total/writes)", "%s", dep.totalAndWrites());
    row(out, "operator requests until status (total/writes)", "%s", conv.totalAndWrites());
    row(out, "  writes by verb until status", "%s", conv.byVerb());
    out.append("  most frequent until status: ").append(conv.top(8)).append('\n');
    var all = atReady.minus(atStart);
    row(out, "operator requests until Ready (total/writes)", "%s", all.totalAndWrites());
    row(out, "other clients' requests until Ready (test, cert-mgr)", "%d", all.others());
    var quiet = quietTo.minus(quietFrom);
    row(out, "quiet " + QUIET.toSeconds() + " s: operator requests (total/writes)", "%s",
        quiet.totalAndWrites());
    row(out, "quiet: reconciles", "%d", quietReconciles);
    var re = restartTo.minus(restartFrom);
    row(out, "restart: until started (informers synced)", "%.1f s", restartStarted);
    row(out, "restart: until 100 reconciles", "%.1f s", restart);
    row(out, "restart: reconciles / operator requests (total/writes)", "%s",
        restartReconciles + " / " + re.totalAndWrites());
    row(out, "heap after GC: mock server, no operator", "%s", mib(heapEmpty));
    row(out, "heap after GC: + operator started, 0 registries", "%s", mib(heapStarted));
    row(out, "heap after GC: converged, 100 registries", "%s", mib(heapConverged));
    row(out, "heap after GC: operator stopped (server store)", "%s", mib(heapServerOnly));
    row(out, "heap after GC: operator restarted on 100", "%s", mib(heapRestarted));
    row(out, "operator share at startup (started - empty)", "%s",
        mib(heapStarted - heapEmpty));
    row(out, "operator share at 100 (converged - stopped)", "%s",
        mib(heapConverged - heapServerOnly));
    row(out, "operator share at 100 (restarted - stopped)", "%s",
        mib(heapRestarted - heapServerOnly));
    row(out, "mock server store of 100 (stopped - empty)", "%s",
        mib(heapServerOnly - heapEmpty));
    out.append(String.format("load average at end %s%n", loadAverage()));
    if (!quietWrites.isEmpty()) {
      out.append("quiet writes (first 20): ").append(quietWrites.stream().limit(20).toList())
          .append('\n');
    }
    if (!restartWrites.isEmpty()) {
      out.append("restart writes (first 20): ")
          .append(restartWrites.stream().limit(20).toList()).append('\n');
    }
    report(out.toString());
    var unexpected = new ArrayList<String>(quietWrites);
    unexpected.addAll(restartWrites);
    if (!unexpected.isEmpty()) {
      var why = new StringBuilder();
      unexpected.stream().map(w -> w.replaceAll(".*/namespaces/([^/]+)/secureregistries/([^/]+).*",
          "$1/$2")).distinct().forEach(key -> statuses.history(key)
              .forEach(b -> why.append(key).append(' ').append(b).append("\n\n")));
      Files.writeString(Path.of("target", "bench", "unexpected-writes.txt"), why.toString());
    }

    assertThat(missing(client, expected)).isEmpty();
    assertThat(allReady(client)).isTrue();
    assertThat(quietWrites).as("writes while nothing changed").isEmpty();
    assertThat(restartWrites).as("writes of a restarted operator on unchanged registries")
        .isEmpty();
  }

  /**
   * Per ten: six TLS with htpasswd (the common case), one MutualTLS with a CI client certificate,
   * one MutualTLS with node trust (cluster-wide objects, rewritten as registries join), and two
   * with three replicas on a ReadWriteMany claim. Every registry has one user and its Secret.
   */
  static SecureRegistry registry(int i, String ns) {
    var r = Registries.htpasswd(ns, "reg" + i, "user" + i);
    switch (i % 10) {
      case 6, 7 -> {
        Registries.tls(r, TlsSpec.Mode.MutualTLS);
        var ci = new TlsSpec.ClientCertificate();
        ci.name = "ci";
        r.getSpec().tls.clientCertificates = List.of(ci);
        if (i % 10 == 7) {
          r.getSpec().nodeTrust = new dev.portcullis.operator.api.NodeTrustSpec();
          r.getSpec().nodeTrust.enabled = true;
        }
      }
      case 8, 9 -> {
        r.getSpec().replicas = 3;
        r.getSpec().storage.persistentVolumeClaim.accessModes = List.of("ReadWriteMany");
      }
      default -> Registries.tls(r, TlsSpec.Mode.TLS);
    }
    return r;
  }

  /** "Kind ns/name" of everything the registries should have, the shared CA objects included. */
  static Set<String> expectedDependents(List<SecureRegistry> registries) {
    var out = new TreeSet<String>();
    for (var r : registries) {
      String ns = r.getMetadata().getNamespace();
      out.add(key("Issuer", ns, Names.SELF_SIGNED_ISSUER));
      out.add(key("Issuer", ns, Names.CA_ISSUER));
      out.add(key("Certificate", ns, Names.CA_CERTIFICATE));
      out.add(key("Secret", ns, Names.CA_SECRET));
      out.add(key("ConfigMap", ns, Names.configMap(r)));
      out.add(key("Secret", ns, Names.htpasswdSecret(r)));
      out.add(key("Certificate", ns, Names.serverCertificate(r)));
      out.add(key("Secret", ns, Names.tlsSecret(r)));
      out.add(key("PersistentVolumeClaim", ns, Names.pvc(r)));
      out.add(key("Deployment", ns, Names.deployment(r)));
      out.add(key("Service", ns, Names.service(r)));
      if (r.getSpec().effectiveTls().effectiveMode() == TlsSpec.Mode.MutualTLS) {
        var clients = new ArrayList<>(List.of("ci", Names.PROBE_CLIENT));
        if (r.getSpec().effectiveNodeTrust().effectiveEnabled()) {
          clients.add(Names.NODES_CLIENT);
        }
        for (String c : clients) {
          out.add(key("Certificate", ns, Names.clientCertificate(r, c)));
          out.add(key("Secret", ns, Names.clientCertificate(r, c)));
        }
      }
    }
    return out;
  }

  static Set<String> missing(KubernetesClient client, Set<String> expected) {
    var present = new TreeSet<String>();
    for (Class<? extends HasMetadata> type : List.of(Issuer.class, Certificate.class,
        Secret.class, ConfigMap.class, PersistentVolumeClaim.class, Deployment.class,
        Service.class)) {
      client.resources(type).inAnyNamespace().list().getItems().forEach(o -> present.add(
          key(type.getSimpleName(), o.getMetadata().getNamespace(), o.getMetadata().getName())));
    }
    return expected.stream().filter(k -> !present.contains(k))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  static boolean statusWritten(KubernetesClient client) {
    var items = client.resources(SecureRegistry.class).inAnyNamespace().list().getItems();
    return items.size() == REGISTRIES && items.stream().allMatch(r -> r.getStatus() != null
        && r.getMetadata().getGeneration().equals(r.getStatus().observedGeneration)
        && r.getStatus().conditions != null && !r.getStatus().conditions.isEmpty());
  }

  static boolean allReady(KubernetesClient client) {
    var items = client.resources(SecureRegistry.class).inAnyNamespace().list().getItems();
    return items.size() == REGISTRIES && items.stream().allMatch(r -> r.getStatus() != null
        && r.getStatus().condition(ConditionTypes.READY)
            .map(c -> "True".equals(c.getStatus())).orElse(false));
  }

  static String key(String kind, String ns, String name) {
    return kind + " " + ns + "/" + name;
  }

  static void await(String what, BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (true) {
      try {
        if (done.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        // a list racing a write: ask again
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + ": not reached within " + PATIENCE);
      }
      Thread.sleep(250);
    }
  }

  /** This JVM's CPU time: the operator, the mock server and the fake cert-manager together. */
  static long processCpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
  }

  static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  /**
   * Bytes of live objects: the total of a class histogram, which runs a full GC first and counts
   * what survived. Reading MemoryMXBean's used heap after System.gc() was tried first and proved
   * useless here: the fake cert-manager and the informers allocate between the GC and the read,
   * and figures moved by tens of MiB from one run to the next.
   */
  static long usedHeapAfterGc() throws Exception {
    // the smaller of two: an informer's or the fake cert-manager's work in flight is not state
    long first = liveBytes();
    Thread.sleep(1000);
    return Math.min(first, liveBytes());
  }

  private static long liveBytes() throws Exception {
    try {
      String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
          new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"),
          "gcClassHistogram", new Object[] {new String[0]},
          new String[] {String[].class.getName()});
      String total = histogram.lines().filter(l -> l.startsWith("Total")).findFirst()
          .orElseThrow();
      return Long.parseLong(total.trim().split("\\s+")[2]);
    } catch (javax.management.JMException | RuntimeException e) {
      // not HotSpot: the rougher figure
      System.gc();
      return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
  }

  static String mib(long bytes) {
    return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (Exception e) {
      return String.format("%.2f", ManagementFactory.getOperatingSystemMXBean()
          .getSystemLoadAverage());
    }
  }

  static void row(StringBuilder out, String label, String format, Object value) {
    out.append(String.format("%-52s %12s%n", label, String.format(format, value)));
  }

  /** Surefire sends test output to a file: the table also goes to target/bench for the script. */
  static void report(String text) throws Exception {
    System.out.print(text);
    Path dir = Path.of("target", "bench");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("scale.txt"), text);
  }

  /**
   * Drains the mock server's request log as it fills (it would otherwise keep every request, body
   * and all, and skew the heap figures) and counts the operator's requests apart from the rest.
   */
  static final class Recorder implements AutoCloseable {
    final AtomicLong operatorTotal = new AtomicLong();
    final Map<String, AtomicLong> operatorByVerb = new java.util.concurrent.ConcurrentHashMap<>();
    final Map<String, AtomicLong> operatorByShape =
        new java.util.concurrent.ConcurrentHashMap<>();
    final AtomicLong others = new AtomicLong();
    /** "VERB path" of the operator's writes; never bodies, which may hold secrets. */
    final ConcurrentLinkedQueue<String> operatorWrites = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;

    Recorder(MockCluster cluster) throws InterruptedException {
      cluster.drainRequests();
      thread = new Thread(() -> {
        while (running) {
          try {
            RecordedRequest r = cluster.server.takeRequest(100, TimeUnit.MILLISECONDS);
            if (r != null) {
              count(r);
            }
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "bench-request-recorder");
      thread.setDaemon(true);
      thread.start();
    }

    private void count(RecordedRequest r) {
      if (!OPERATOR_AGENT.equals(r.getHeader("User-Agent"))) {
        others.incrementAndGet();
        return;
      }
      operatorTotal.incrementAndGet();
      operatorByVerb.computeIfAbsent(r.getMethod(), k -> new AtomicLong()).incrementAndGet();
      operatorByShape.computeIfAbsent(shape(r), k -> new AtomicLong()).incrementAndGet();
      if (!"GET".equals(r.getMethod())) {
        operatorWrites.add(r.getMethod() + " " + r.getPath());
      }
      // never the body: reading it consumes the buffer the mock server's handler reads too
    }

    /** Counts so far; the recorder lags the server by up to one poll, so let a moment pass. */
    Counts snapshot() throws InterruptedException {
      Thread.sleep(200);
      var verbs = new java.util.TreeMap<String, Long>();
      operatorByVerb.forEach((k, v) -> verbs.put(k, v.get()));
      var shapes = new java.util.TreeMap<String, Long>();
      operatorByShape.forEach((k, v) -> shapes.put(k, v.get()));
      return new Counts(operatorTotal.get(), verbs, shapes, others.get());
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join(1000);
    }
  }

  /** "get secrets", "list secrets (all namespaces)", "watch deployments", "patch status"... */
  static String shape(RecordedRequest r) {
    String path = r.getPath();
    String query = "";
    int q = path.indexOf('?');
    if (q >= 0) {
      query = path.substring(q + 1);
      path = path.substring(0, q);
    }
    String[] seg = path.split("/");
    int base = seg.length > 1 && seg[1].equals("api") ? 3 : 4;
    boolean namespaced = seg.length > base + 2 && seg[base].equals("namespaces");
    int at = namespaced ? base + 2 : base;
    String resource = seg.length > at ? seg[at] : path;
    boolean named = seg.length > at + 1;
    String sub = seg.length > at + 2 ? " " + seg[at + 2] : "";
    String verb = switch (r.getMethod()) {
      case "GET" -> named ? "get" : query.contains("watch=true") ? "watch" : "list";
      default -> r.getMethod().toLowerCase(java.util.Locale.ROOT);
    };
    return verb + " " + resource + sub + (namespaced ? "" : " (all namespaces)");
  }

  /**
   * The last statuses each registry had, as the benchmark's own watch saw them: if the operator
   * writes when it should not, the difference says why. Status holds no secret.
   */
  static final class StatusHistory implements io.fabric8.kubernetes.client.Watcher<SecureRegistry> {
    private final Map<String, java.util.Deque<String>> byRegistry =
        new java.util.concurrent.ConcurrentHashMap<>();
    private final KubernetesClient client;

    StatusHistory(KubernetesClient client) {
      this.client = client;
      client.resources(SecureRegistry.class).inAnyNamespace().watch(this);
    }

    @Override
    public void eventReceived(Action action, SecureRegistry r) {
      var deque = byRegistry.computeIfAbsent(
          r.getMetadata().getNamespace() + "/" + r.getMetadata().getName(),
          k -> new java.util.concurrent.ConcurrentLinkedDeque<>());
      deque.addLast(Instant.now() + " rv " + r.getMetadata().getResourceVersion() + " "
          + client.getKubernetesSerialization().asJson(r.getStatus()));
      while (deque.size() > 4) {
        deque.pollFirst();
      }
    }

    @Override
    public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {}

    java.util.Collection<String> history(String key) {
      return byRegistry.getOrDefault(key, new java.util.ArrayDeque<>());
    }
  }

  record Counts(long total, Map<String, Long> verbs, Map<String, Long> shapes, long others) {
    Counts minus(Counts before) {
      return new Counts(total - before.total, diff(verbs, before.verbs),
          diff(shapes, before.shapes), others - before.others);
    }

    private static Map<String, Long> diff(Map<String, Long> now, Map<String, Long> before) {
      var d = new java.util.TreeMap<String, Long>();
      now.forEach((k, v) -> {
        long n = v - before.getOrDefault(k, 0L);
        if (n != 0) {
          d.put(k, n);
        }
      });
      return d;
    }

    /** The most frequent kinds of request, most first. */
    String top(int n) {
      return shapes.entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(n)
          .map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "));
    }

    long writes() {
      return verbs.entrySet().stream().filter(e -> !"GET".equals(e.getKey()))
          .mapToLong(Map.Entry::getValue).sum();
    }

    String totalAndWrites() {
      return total + " / " + writes();
    }

    String byVerb() {
      return verbs.entrySet().stream().filter(e -> !"GET".equals(e.getKey()))
          .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }
  }
}
