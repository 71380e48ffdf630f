package dev.portcullis.operator.testsupport.kubelet;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import dev.portcullis.operator.testsupport.cri.CriRuntime;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A kubelet (plus the Deployment, DaemonSet, Job and CronJob controllers) for the mock API
 * server. For every Deployment, DaemonSet and Job labelled {@code app.kubernetes.io/managed-by=portcullis-operator} or
 * made from an image whose name contains {@code portcullis-registry}, it
 * runs each pod's container as a local process, {@code java @jvm.options -jar portcullis-registry.jar
 * ARGS} with the Dockerfile's ENV (the registry image's entrypoint, {@link ImageEntrypoint}), and
 * {@code -XX:MaxRAM} set to the container's memory limit, which is what the JVM reads from its
 * cgroup; one process per replica (one for a DaemonSet: there is one node).
 *
 * <ul>
 * <li>Volumes: ConfigMap, Secret and projected (Secret/ConfigMap sources) volumes are written
 *     under the pod's root at their mount path with their items' paths and file modes
 *     ({@link VolumeFiles}), the kubelet's way ({@code ..TIMESTAMP/} files, a {@code ..data} symlink to it, and one
 *     {@code KEY -> ..data/KEY} link per key); when the object changes the new files are written
 *     beside and {@code ..data} is swapped atomically. A claim maps to a folder per claim name that
 *     outlives pods and Deployments (so data survives a re-created registry, as a retained volume
 *     does); emptyDir to a fresh folder; hostPath to {@link #nodeRoot()} + the path.</li>
 * <li>Paths: absolute paths in args, env values and ConfigMap files that fall under a mount are
 *     rewritten to where that mount was materialised (the one liberty taken with the product:
 *     its config still says {@code /etc/portcullis/tls/tls.crt}, the process reads
 *     {@code ROOT/etc/portcullis/tls/tls.crt}).</li>
 * <li>Ports: each container port gets a free local port; the registry is told through its env
 *     overrides ({@link #PORT_ENV}: 5000 -> REGISTRY_HTTP_ADDR, 5001 -> REGISTRY_HTTP_DEBUG_ADDR),
 *     which win over config.yml. {@link #serviceAddress} resolves a Service port to a ready pod's
 *     local port (used by {@link ServiceProxy}).</li>
 * <li>Readiness: the readiness probe (httpGet) is polled every {@value #PERIOD_MS} ms rather than
 *     every periodSeconds; the Deployment's status (replicas, updated, ready, available, the
 *     Available condition, observedGeneration) or DaemonSet's status is written from it.</li>
 * <li>Rollouts: a changed pod template stops the old pods and starts new ones (Recreate); a
 *     process that exits is restarted, and {@link Pod#starts()} counts it.</li>
 * <li>Jobs (the job controller): a Job's pods run to completion under their
 *     {@code restartPolicy} ({@code Never}: an exited container ends its pod, Succeeded or
 *     Failed, and a failed one is replaced; {@code OnFailure}: a failed container restarts in its
 *     pod) until {@code completions} succeeded or the failures exceed {@code backoffLimit}
 *     ({@link JobProgress}); the Job's status counts them. CronJobs make their Jobs at
 *     the minutes their schedule names ({@link CronJobController}); tests run one now as
 *     {@code kubectl create job --from=cronjob/NAME} does ({@code ManualJob}).</li>
 * <li>Pod objects: each pod is a Pod on the API server whose status is written as a kubelet
 *     writes it (phase, conditions, the container's state with its waiting or terminated reason,
 *     restartCount, lastState with FallbackToLogsOnError's log tail); an image the node lacks is
 *     pulled (CRI mode) or, in process mode, fails to pull unless it is the registry image.</li>
 * <li>Garbage collection: objects whose owners are gone are deleted ({@link GarbageCollector}),
 *     as the controller-manager would; the mock API server does not.</li>
 * <li>Pod Security: a workload's pods are admitted at the level its namespace's
 *     {@code pod-security.kubernetes.io/enforce} label names ({@link PodSecurityStandards});
 *     refused ones are not started, and the controller's {@code FailedCreate} Warning event with
 *     the admission plugin's message is recorded on the workload, its status counting no pod.</li>
 * </ul>
 * Liveness probes and resources are not enforced; security contexts only by Pod Security.
 */
public final class Kubelet implements AutoCloseable {

  /** Workloads whose image name contains this run too, whatever their labels. */
  public static final String REGISTRY_IMAGE = "portcullis-registry";
  public static final String MANAGED_SELECTOR = "app.kubernetes.io/managed-by=portcullis-operator";
  static final long PERIOD_MS = 200;
  /** Consecutive failed readiness probes that make a ready pod unready. */
  static final int PROBE_FAILURES = 3;
  /** How a container port reaches the registry process: its env override for the listen address. */
  public static final Map<Integer, String> PORT_ENV = new ConcurrentHashMap<>(Map.of(
      5000, "REGISTRY_HTTP_ADDR", 5001, "REGISTRY_HTTP_DEBUG_ADDR"));

  private final KubernetesClient client;
  /** CRI mode: the node's container runtime; null in process mode. */
  private final CriRuntime cri;
  /** CRI mode: the mock API server as pods reach it. */
  private HostRelay apiRelay;
  private final Path jar;
  private final ImageEntrypoint image;
  private final Path root;
  private final Path nodeRoot;
  private final Path volumes;
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
    var t = new Thread(r, "kubelet");
    t.setDaemon(true);
    return t;
  });
  /** Running (or pending) pods by workload key "Kind/ns/name". */
  private final Map<String, List<Pod>> pods = new ConcurrentHashMap<>();
  /** Every pod ever started, for failure reports. */
  private final List<Pod> history = new CopyOnWriteArrayList<>();
  private final GarbageCollector garbageCollector;
  private final CronJobController cronJobs;
  private final AtomicInteger podCounter = new AtomicInteger();
  private final AtomicInteger roundRobin = new AtomicInteger();
  private volatile String lastError;
  private final Thread shutdownHook = new Thread(() -> allPods().forEach(p -> {
    if (p.container instanceof HostProcess proc) {
      proc.kill();
    } else {
      p.stop();
    }
  }), "kubelet-shutdown");

  /** Process mode: each pod's container is {@code java -jar registryJar} on the host. */
  public Kubelet(KubernetesClient client, Path registryJar, Path root) throws IOException {
    this(client, registryJar, null, root);
  }

  /**
   * CRI mode: each pod is a sandbox of {@code cri} and its container runs the template's image,
   * which must be in the runtime's image store ({@link CriRuntime#importImage}).
   */
  public Kubelet(KubernetesClient client, CriRuntime cri, Path root) throws IOException {
    this(client, null, cri, root);
  }

  private Kubelet(KubernetesClient client, Path registryJar, CriRuntime cri, Path root)
      throws IOException {
    this.client = client;
    this.cri = cri;
    this.jar = registryJar == null ? null : registryJar.toAbsolutePath();
    this.image = jar == null ? null : ImageEntrypoint.of(this.jar.getParent().getParent());
    this.root = Files.createDirectories(root);
    this.nodeRoot = Files.createDirectories(root.resolve("node"));
    this.volumes = Files.createDirectories(root.resolve("volumes"));
    this.garbageCollector = new GarbageCollector(client);
    this.cronJobs = new CronJobController(client);
  }

  public Kubelet start() throws IOException {
    if (cri != null) {
      URI api = URI.create(client.getConfiguration().getMasterUrl());
      apiRelay = new HostRelay(CriRuntime.gateway(),
          new java.net.InetSocketAddress(api.getHost(), api.getPort()));
    }
    // a test JVM stopped from outside (Maven timeout, Ctrl-C) must not leave registries running
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    loop.scheduleWithFixedDelay(this::syncQuietly, 0, PERIOD_MS, TimeUnit.MILLISECONDS);
    return this;
  }

  /** The node's filesystem: hostPath volumes (e.g. /etc/containerd/certs.d) live under here. */
  public Path nodeRoot() {
    return nodeRoot;
  }

  /** Where a claim's data lives; kept when claims, pods and registries go away. */
  public Path claimDir(String ns, String claim) {
    return volumes.resolve(ns).resolve(claim);
  }

  /** The pods of Job {@code ns/name}: the running ones and those that ended. */
  public List<Pod> jobPods(String ns, String name) {
    return List.copyOf(pods.getOrDefault("Job/" + ns + "/" + name, List.of()));
  }

  /** The current pods of a Deployment (or DaemonSet) {@code ns/name}. */
  public List<Pod> pods(String ns, String name) {
    var out = new ArrayList<Pod>();
    out.addAll(pods.getOrDefault("Deployment/" + ns + "/" + name, List.of()));
    out.addAll(pods.getOrDefault("DaemonSet/" + ns + "/" + name, List.of()));
    return out;
  }

  public List<Pod> allPods() {
    return pods.values().stream().flatMap(List::stream).toList();
  }

  /**
   * Where Service {@code ns/svc} port {@code port} is served: a ready pod's address for the
   * Service's target port, round robin; null if none.
   */
  public java.net.InetSocketAddress serviceAddress(String ns, String svc, int port) {
    return serviceAddress(ns, svc, port, null);
  }

  /** As {@link #serviceAddress(String, String, int)}, restricted to {@code only} when not null. */
  public java.net.InetSocketAddress serviceAddress(String ns, String svc, int port, Pod only) {
    Service service = client.services().inNamespace(ns).withName(svc).get();
    if (service == null || service.getSpec().getSelector() == null) {
      return null;
    }
    ServicePort sp = service.getSpec().getPorts().stream()
        .filter(p -> p.getPort() == port).findFirst().orElse(null);
    if (sp == null) {
      return null;
    }
    IntOrString target = sp.getTargetPort() == null ? new IntOrString(port) : sp.getTargetPort();
    var selector = service.getSpec().getSelector();
    List<Pod> candidates = allPods().stream()
        .filter(p -> p.namespace.equals(ns) && p.ready && (only == null || p == only)
            && p.labels.entrySet().containsAll(selector.entrySet()))
        .toList();
    if (candidates.isEmpty()) {
      return null;
    }
    Pod pod = candidates.get(Math.floorMod(roundRobin.getAndIncrement(), candidates.size()));
    return pod.address(target);
  }

  /** The last lines of the log of every process of {@code namespace} (null: all), and its state. */
  public String report(String namespace, int lines) {
    var sb = new StringBuilder();
    if (lastError != null) {
      sb.append("kubelet last error: ").append(lastError).append('\n');
    }
    for (Pod p : history) {
      if (namespace != null && !namespace.equals(p.namespace)) {
        continue;
      }
      sb.append("==== pod ").append(p.name).append(" (").append(p.workload).append(") ")
          .append(p.state()).append(", starts=").append(p.starts)
          .append(", ports=").append(p.portsByNumber).append(" log ").append(p.log).append('\n');
      sb.append(tail(p.log, lines));
    }
    return sb.toString();
  }

  static String tail(Path file, int lines) {
    try {
      if (!Files.exists(file)) {
        return "(no log)\n";
      }
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())) + "\n";
    } catch (IOException | UncheckedIOException e) {
      return "(unreadable log: " + e + ")\n";
    }
  }

  @Override
  public void close() {
    // the sync under way may be stopping pods (a journey's deletion): let it finish, an
    // interrupted CRI call would leave its container running
    loop.shutdown();
    try {
      if (!loop.awaitTermination(60, TimeUnit.SECONDS)) {
        loop.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    allPods().forEach(Pod::stop);
    pods.clear();
    if (apiRelay != null) {
      try {
        apiRelay.close();
      } catch (IOException e) {
        // closed already
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException | IllegalArgumentException e) {
      // shutting down already, or never started
    }
  }

  // ---- the control loop ----

  private void syncQuietly() {
    try {
      sync();
    } catch (Throwable t) {
      if (loop.isShutdown()) {
        return;
      }
      String s = t.toString();
      if (!s.equals(lastError)) {
        System.err.println("kubelet: " + s);
        t.printStackTrace();
      }
      lastError = s;
    }
  }

  private record Workload(String key, HasMetadata object, PodTemplateSpec template, int replicas) {}

  void sync() throws Exception {
    garbageCollector.collect();
    var desired = new LinkedHashMap<String, Workload>();
    for (Deployment d : client.apps().deployments().inAnyNamespace().list().getItems()) {
      if (runs(d, d.getSpec().getTemplate())) {
        int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        var w = new Workload(key(d), d, d.getSpec().getTemplate(), replicas);
        desired.put(w.key, w);
      }
    }
    for (DaemonSet d : client.apps().daemonSets().inAnyNamespace().list().getItems()) {
      if (runs(d, d.getSpec().getTemplate())) {
        var w = new Workload(key(d), d, d.getSpec().getTemplate(), 1);
        desired.put(w.key, w);
      }
    }
    cronJobs.sync(Instant.now());
    var jobs = new LinkedHashMap<String, Job>();
    for (Job j : client.batch().v1().jobs().inAnyNamespace().list().getItems()) {
      if (runs(j, j.getSpec().getTemplate())) {
        jobs.put(key(j), j);
      }
    }
    // workloads that are gone: their pods go
    for (String key : List.copyOf(pods.keySet())) {
      if (!desired.containsKey(key) && !jobs.containsKey(key)) {
        pods.remove(key).forEach(Pod::stop);
      }
    }
    var namespaceLabels = new HashMap<String, Map<String, String>>();
    for (var n : client.namespaces().list().getItems()) {
      namespaceLabels.put(n.getMetadata().getName(), n.getMetadata().getLabels());
    }
    for (Workload w : desired.values()) {
      String hash = templateHash(w.template);
      List<Pod> current = pods.computeIfAbsent(w.key, k -> new CopyOnWriteArrayList<>());
      for (Pod p : List.copyOf(current)) {
        if (!p.templateHash.equals(hash) || current.indexOf(p) >= w.replicas) {
          p.stop();
          current.remove(p);
        }
      }
      // Pod Security admission: the controller's pod creation is refused, it records FailedCreate
      var level = PodSecurityStandards.Level.of(
          namespaceLabels.get(w.object.getMetadata().getNamespace()));
      var violations = PodSecurityStandards.violations(level, w.template.getSpec());
      if (!violations.isEmpty() && current.size() < w.replicas) {
        recordFailedCreate(w, PodSecurityStandards.refusal(level,
            w.object.getMetadata().getName() + "-" + hash.substring(0, Math.min(5, hash.length())),
            violations));
        writeStatus(w, current);
        continue;
      }
      while (current.size() < w.replicas) {
        Pod p = new Pod(w, hash);
        current.add(p);
        history.add(p);
      }
      for (Pod p : current) {
        p.tick(w);
      }
      for (Pod p : current) {
        p.publish(w);
      }
      writeStatus(w, current);
    }
    for (Job j : jobs.values()) {
      syncJob(j, namespaceLabels);
    }
  }

  /**
   * The job controller's turn for {@code job}: its running pods ticked, failures past the backoff
   * limit ending the ones left, new pods while completions remain, and the status written.
   */
  private void syncJob(Job job, Map<String, Map<String, String>> namespaceLabels)
      throws Exception {
    var w = new Workload(key(job), job, job.getSpec().getTemplate(), 0);
    List<Pod> current = pods.computeIfAbsent(w.key, k -> new CopyOnWriteArrayList<>());
    for (Pod p : current) {
      if (p.phase == null) {
        p.tick(w);
      }
    }
    JobProgress progress = progress(job, current);
    if (progress.backoffLimitExceeded()) {
      for (Pod p : current) {
        if (p.phase == null) {
          p.stop();
          p.end("Failed", "the Job reached its backoff limit");
        }
      }
      progress = progress(job, current);
    }
    int toStart = progress.podsToStart();
    if (toStart > 0) {
      var level = PodSecurityStandards.Level.of(namespaceLabels.get(job.getMetadata().getNamespace()));
      var violations = PodSecurityStandards.violations(level, w.template.getSpec());
      if (!violations.isEmpty()) {
        recordFailedCreate(w, PodSecurityStandards.refusal(level,
            job.getMetadata().getName() + "-" + podCounter.get(), violations));
      } else {
        String hash = templateHash(w.template);
        for (int i = 0; i < toStart; i++) {
          Pod p = new Pod(w, hash);
          current.add(p);
          history.add(p);
          p.tick(w);
        }
        progress = progress(job, current);
      }
    }
    var status = progress.status(job.getStatus(), Instant.now());
    if (!JobProgress.same(job.getStatus(), status)) {
      job.setStatus(status);
      client.resource(job).updateStatus();
    }
  }

  private static JobProgress progress(Job job, List<Pod> pods) {
    int active = 0;
    int succeeded = 0;
    int failed = 0;
    int retries = 0;
    for (Pod p : pods) {
      retries += p.retries;
      if (p.phase == null) {
        active++;
      } else if ("Succeeded".equals(p.phase)) {
        succeeded++;
      } else {
        failed++;
      }
    }
    return JobProgress.of(job, active, succeeded, failed, retries);
  }

  /**
   * The workload controller's Warning event for a pod it could not create ({@code Error creating:
   * ...}), counted up while the refusal stays the same, as the event recorder does.
   */
  private void recordFailedCreate(Workload w, String refusal) {
    var meta = w.object.getMetadata();
    String name = meta.getName() + ".failedcreate";
    String message = "Error creating: " + refusal;
    var events = client.v1().events().inNamespace(meta.getNamespace());
    Event old = events.withName(name).get();
    if (old != null && message.equals(old.getMessage())) {
      return;
    }
    String now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
        .toString();
    var event = new EventBuilder()
        .withNewMetadata().withName(name).withNamespace(meta.getNamespace()).endMetadata()
        .withNewInvolvedObject().withApiVersion(w.object.getApiVersion()).withKind(w.object.getKind())
          .withNamespace(meta.getNamespace()).withName(meta.getName()).withUid(meta.getUid())
        .endInvolvedObject()
        .withType("Warning").withReason("FailedCreate").withMessage(message)
        .withNewSource().withComponent(w.object instanceof DaemonSet ? "daemonset-controller"
            : w.object instanceof Job ? "job-controller" : "replicaset-controller").endSource()
        .withFirstTimestamp(old == null ? now : old.getFirstTimestamp()).withLastTimestamp(now)
        .withCount(old == null || old.getCount() == null ? 1 : old.getCount() + 1)
        .build();
    if (old == null) {
      client.resource(event).create();
    } else {
      client.resource(event).update();
    }
  }

  /** Ours to run: the operator's (by label) or anything made from the registry image. */
  static boolean runs(HasMetadata o, PodTemplateSpec template) {
    var labels = o.getMetadata().getLabels();
    String[] kv = MANAGED_SELECTOR.split("=");
    if (labels != null && kv[1].equals(labels.get(kv[0]))) {
      return true;
    }
    return template != null && template.getSpec() != null && template.getSpec().getContainers()
        .stream().anyMatch(c -> c.getImage() != null && c.getImage().contains(REGISTRY_IMAGE));
  }

  private String templateHash(PodTemplateSpec template) {
    return Integer.toHexString(client.getKubernetesSerialization().asJson(template).hashCode());
  }

  private static String key(HasMetadata o) {
    return o.getKind() + "/" + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
  }

  private void writeStatus(Workload w, List<Pod> current) {
    int ready = (int) current.stream().filter(p -> p.ready).count();
    int running = (int) current.stream().filter(p -> p.container != null).count();
    Long generation = w.object.getMetadata().getGeneration();
    if (w.object instanceof Deployment d) {
      DeploymentStatus old = d.getStatus();
      boolean available = ready >= w.replicas;
      var status = new DeploymentStatusBuilder()
          .withObservedGeneration(generation)
          .withReplicas(running)
          .withUpdatedReplicas(running)
          .withReadyReplicas(ready)
          .withAvailableReplicas(ready)
          .withUnavailableReplicas(Math.max(0, w.replicas - ready))
          .withConditions(new DeploymentConditionBuilder().withType("Available")
              .withStatus(available ? "True" : "False")
              .withReason(available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable")
              .withMessage(ready + "/" + w.replicas + " pods ready (test kubelet)").build())
          .build();
      if (old != null && Objects.equals(old.getObservedGeneration(), generation)
          && Objects.equals(old.getReplicas(), running)
          && Objects.equals(old.getReadyReplicas(), ready)
          && Objects.equals(old.getAvailableReplicas(), ready)) {
        return;
      }
      d.setStatus(status);
      client.resource(d).updateStatus();
    } else if (w.object instanceof DaemonSet ds) {
      var old = ds.getStatus();
      if (old != null && Objects.equals(old.getObservedGeneration(), generation)
          && Objects.equals(old.getNumberReady(), ready)
          && Objects.equals(old.getCurrentNumberScheduled(), running)) {
        return;
      }
      ds.setStatus(new DaemonSetStatusBuilder().withObservedGeneration(generation)
          .withDesiredNumberScheduled(1).withCurrentNumberScheduled(running)
          .withUpdatedNumberScheduled(running).withNumberReady(ready).withNumberAvailable(ready)
          .withNumberUnavailable(1 - ready).withNumberMisscheduled(0).build());
      client.resource(ds).updateStatus();
    }
  }

  /** {@code text} with every absolute path under a mount path replaced by where it landed. */
  static String rewritePaths(String text, Map<String, Path> mounts) {
    if (mounts.isEmpty()) {
      return text;
    }
    var paths = new ArrayList<>(mounts.keySet());
    paths.sort(Comparator.comparingInt(String::length).reversed());
    Pattern p = Pattern.compile("(?<![\\w./-])("
        + String.join("|", paths.stream().map(Pattern::quote).toList())
        + ")(?=[/\\s\"',\\]}]|$)", Pattern.MULTILINE);
    return p.matcher(text).replaceAll(m -> Matcher.quoteReplacement(
        mounts.get(m.group(1)).toString()));
  }

  private static final Pattern LISTEN_ADDR = Pattern.compile(
      "(?m)^(\\s*addr:\\s*[\"']?)(?:0\\.0\\.0\\.0)?:(\\d+)([\"']?\\s*)$");

  /**
   * {@code addr: :PORT} lines of a config file, for a port the pod declares, pointed at the local
   * port the pod got. In a cluster each pod has its own network namespace, so every pod may listen
   * on :5001; here all pods share one, and this is how a process that has no env override for its
   * listen address (the token issuer's docker_auth-style config) still listens where its Service
   * and probes look for it.
   */
  static String rewriteListenAddresses(String text, Map<Integer, Integer> ports) {
    return LISTEN_ADDR.matcher(text).replaceAll(m -> {
      Integer local = ports.get(Integer.parseInt(m.group(2)));
      return Matcher.quoteReplacement(local == null ? m.group()
          : m.group(1) + "127.0.0.1:" + local + m.group(3));
    });
  }

  /** Trusts any server certificate: the kubelet's HTTPS probes do not verify. */
  static final class ProbeTls {
    static final javax.net.ssl.SSLContext CONTEXT = create();

    private static javax.net.ssl.SSLContext create() {
      try {
        var trustAll = new javax.net.ssl.X509TrustManager() {
          @Override
          public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}

          @Override
          public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}

          @Override
          public java.security.cert.X509Certificate[] getAcceptedIssuers() {
            return new java.security.cert.X509Certificate[0];
          }
        };
        var ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, new javax.net.ssl.TrustManager[] {trustAll}, null);
        return ctx;
      } catch (java.security.GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** A free port on the loopback, for a process of the test that plays part of the cluster. */
  public static int freePort() {
    try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The waiting reasons a pending pod's refusal starts with, as the kubelet reports them. */
  private static final List<String> WAITING_REASONS = List.of("ErrImagePull", "ImagePullBackOff",
      "CreateContainerConfigError", "CreateContainerError");
  /** The log line written as a container starts: its log begins after it. */
  private static final Pattern CONTAINER_START = Pattern.compile("^---- \\S+ (kubelet: )?start ");
  /** CRI log lines' timestamp, stream and tag. */
  private static final Pattern CRI_LOG_PREFIX = Pattern.compile("^\\S+ (stdout|stderr) [FP] ");

  private static String now() {
    return Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
  }

  // ---- a pod ----

  /** One replica: its folder, ports, materialised volumes and container. */
  public final class Pod {
    final String namespace;
    final String workload;
    final String name;
    final String uid;
    final String templateHash;
    final Map<String, String> labels;
    final Path dir;
    final Path log;
    /** Process mode: container port -> the local port the process listens on. */
    final Map<Integer, Integer> portsByNumber = new LinkedHashMap<>();
    final Map<String, Integer> portsByName = new LinkedHashMap<>();
    /** mount path -> where it is materialised, longest first when rewriting. */
    final Map<String, Path> mountMap = new LinkedHashMap<>();
    /** Secret/ConfigMap volumes: mount path -> the resourceVersion written. */
    final Map<String, String> writtenVersions = new HashMap<>();
    /** CRI mode: the pod's sandbox; null in process mode. */
    private final CriPod criPod;
    volatile RunningContainer container;
    volatile boolean ready;
    volatile int starts;
    private volatile Map<String, String> lastEnv = Map.of();
    private int failedProbes;
    /** Whether the startup probe (if any) passed for the current container. */
    private boolean started;
    private final ProbeSchedule startup = new ProbeSchedule();
    private final ProbeSchedule liveness = new ProbeSchedule();
    volatile String pending = "not started";
    /** Always (Deployments, DaemonSets), OnFailure or Never (Jobs' pods). */
    private final String restartPolicy;
    /** Succeeded or Failed once the pod ended (restartPolicy OnFailure or Never); else null. */
    volatile String phase;
    /** Containers restarted after failing under restartPolicy OnFailure (count for backoff). */
    volatile int retries;
    private long restartAfter;
    private io.fabric8.kubernetes.api.model.PodSpec currentSpec;
    /** The last container's end, as the kubelet keeps it in lastState.terminated. */
    private volatile io.fabric8.kubernetes.api.model.ContainerStateTerminated lastTerminated;
    private final String createdAt = now();
    /** The container whose start time {@link #startedAt} is, to see a new one. */
    private RunningContainer seenContainer;
    private String startedAt;
    private String readySince;
    private int pullFailures;
    /** The status last written to the Pod object; null before it was created. */
    private io.fabric8.kubernetes.api.model.PodStatus published;

    Pod(Workload w, String templateHash) throws IOException {
      this.namespace = w.object.getMetadata().getNamespace();
      this.workload = w.key;
      this.name = w.object.getMetadata().getName() + "-" + templateHash + "-"
          + podCounter.incrementAndGet();
      this.uid = java.util.UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8))
          .toString();
      this.templateHash = templateHash;
      this.labels = w.template.getMetadata().getLabels() == null ? Map.of()
          : Map.copyOf(w.template.getMetadata().getLabels());
      this.restartPolicy = w.template.getSpec().getRestartPolicy() == null ? "Always"
          : w.template.getSpec().getRestartPolicy();
      this.dir = Files.createDirectories(root.resolve("pods").resolve(name));
      this.log = dir.resolve("container.log");
      for (Container c : w.template.getSpec().getContainers()) {
        for (ContainerPort p : c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts()) {
          // in its own network namespace a pod listens on its declared ports
          int local = cri != null ? p.getContainerPort() : freePort();
          portsByNumber.put(p.getContainerPort(), local);
          if (p.getName() != null) {
            portsByName.put(p.getName(), local);
          }
        }
      }
      this.criPod = cri == null ? null : new CriPod(cri, CriPodConfig.sandbox(name, namespace, uid,
          labels, w.template.getSpec(), dir, CriRuntime.gateway().getHostAddress()));
    }

    public String name() {
      return name;
    }

    public boolean ready() {
      return ready;
    }

    /** How many times the container was started (1 while the first one still runs). */
    public int starts() {
      return starts;
    }

    /** The container's main process on the host; -1 before it runs. */
    public long pid() {
      RunningContainer c = container;
      return c == null ? -1 : c.pid();
    }

    public Path logFile() {
      return log;
    }

    /** The environment the last container was started with (after port overrides). */
    public Map<String, String> env() {
      return lastEnv;
    }

    /** The pod's log so far: the container's output and the kubelet's events. */
    public String logText() {
      try {
        return Files.exists(log) ? Files.readString(log) : "";
      } catch (IOException e) {
        return "";
      }
    }

    /** Local port of a container port given by name or number (process mode). */
    public Integer localPort(IntOrString port) {
      return port.getStrVal() != null ? portsByName.get(port.getStrVal())
          : portsByNumber.get(port.getIntVal());
    }

    /**
     * Where a container port (by name or number) is reached from the node: the pod's IP and the
     * port in CRI mode, a loopback port in process mode; null if the pod has no such port or no
     * address yet.
     */
    public InetSocketAddress address(IntOrString port) {
      Integer p = localPort(port);
      if (p == null && port.getStrVal() == null && criPod != null) {
        p = port.getIntVal(); // an undeclared port still answers on the pod's IP
      }
      if (p == null) {
        return null;
      }
      if (criPod == null) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), p);
      }
      InetAddress ip = criPod.ip();
      return ip == null ? null : new InetSocketAddress(ip, p);
    }

    /** Succeeded or Failed once the pod of a Job ended; null while it runs or waits. */
    public String phase() {
      return phase;
    }

    String state() {
      if (phase != null) {
        return phase;
      }
      RunningContainer c = container;
      if (c == null) {
        return "pending: " + pending;
      }
      return c.alive() ? "running " + c + (ready ? " ready" : " not ready")
          : "exited " + c.exitCode();
    }

    void tick(Workload w) throws Exception {
      var spec = w.template.getSpec();
      Container c = spec.getContainers().get(0);
      if (container == null) {
        if (System.currentTimeMillis() < restartAfter) {
          return;
        }
        currentSpec = spec;
        if (materialise(spec.getVolumes(), c.getVolumeMounts())) {
          launch(c);
        }
        return;
      }
      if (!container.alive()) {
        lastTerminated = termination(container, c);
        String reason = container.reason();
        int exit = container.exitCode();
        String exited = "container exited " + exit
            + (reason == null || reason.isEmpty() ? "" : " (" + reason + ")");
        if ("Never".equals(restartPolicy) || exit == 0 && "OnFailure".equals(restartPolicy)) {
          end(exit == 0 ? "Succeeded" : "Failed", exited);
          return;
        }
        if ("OnFailure".equals(restartPolicy)) {
          retries++;
        }
        note(exited + "; restarting in 1 s");
        if (criPod != null) {
          container.stop(0); // removes it; the sandbox and its address stay
        }
        ready = false;
        container = null;
        started = false;
        startup.reset();
        liveness.reset();
        pending = "restarting after exit";
        restartAfter = System.currentTimeMillis() + 1000; // CrashLoopBackOff, shortened
        return;
      }
      refreshVolumes(spec.getVolumes(), c.getVolumeMounts());
      if (!started) {
        // readiness and liveness wait for the startup probe, as the kubelet's do
        var outcome = c.getStartupProbe() == null ? ProbeSchedule.Outcome.PASSED
            : startup.run(c.getStartupProbe(), this::probe);
        if (outcome == ProbeSchedule.Outcome.THRESHOLD) {
          restart("container failed startup probe: " + startup.lastFailure);
          return;
        }
        if (outcome != ProbeSchedule.Outcome.PASSED) {
          return;
        }
        started = true;
      }
      String failure = probe(c.getReadinessProbe());
      if (failure == null) {
        if (!ready) {
          note("readiness probe succeeded: ready");
        }
        failedProbes = 0;
        ready = true;
      } else if (++failedProbes >= PROBE_FAILURES && ready) {
        // we probe every PERIOD_MS instead of every periodSeconds: one slow answer on a busy
        // machine must not take the pod out of its Service, so a few failures in a row count
        ready = false;
        note("readiness probe failed " + failedProbes + " times: " + failure + ": not ready");
      }
      if (c.getLivenessProbe() != null
          && liveness.run(c.getLivenessProbe(), this::probe) == ProbeSchedule.Outcome.THRESHOLD) {
        restart("container failed liveness probe: " + liveness.lastFailure);
      }
    }

    /**
     * The pod is over (a Job's): no restart, not ready; its sandbox goes, its log and the exit
     * code stay for {@link #phase()} and reports.
     */
    void end(String phase, String why) {
      note(why + ": pod " + phase);
      ready = false;
      this.phase = phase;
      RunningContainer c = container;
      if (c != null && criPod != null) {
        c.stop(0);
      }
      if (criPod != null) {
        criPod.remove();
      }
    }

    /** Stops the container (grace period) and starts a new one a second later. */
    private void restart(String why) {
      note(why + ", will be restarted");
      int grace = currentSpec == null || currentSpec.getTerminationGracePeriodSeconds() == null
          ? 30 : currentSpec.getTerminationGracePeriodSeconds().intValue();
      RunningContainer old = container;
      ready = false;
      container = null;
      started = false;
      startup.reset();
      liveness.reset();
      old.stop(Math.min(grace, 15));
      lastTerminated = termination(old, currentSpec.getContainers().get(0));
      pending = "restarting: " + why;
      restartAfter = System.currentTimeMillis() + 1000;
    }

    /** A kubelet event, written into the pod's log between the container's own lines. */
    private void note(String event) {
      try {
        Files.writeString(log, "---- " + Instant.now() + " kubelet: " + event + "\n",
            StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.APPEND);
      } catch (IOException e) {
        // the report will lack one line
      }
    }

    /** Null when the probe (httpGet; none counts as success) passes, else why it failed. */
    private String probe(io.fabric8.kubernetes.api.model.Probe probe) {
      if (probe == null || probe.getHttpGet() == null) {
        return null;
      }
      InetSocketAddress target = address(probe.getHttpGet().getPort());
      if (target == null) {
        return "no container port " + probe.getHttpGet().getPort();
      }
      boolean https = "HTTPS".equalsIgnoreCase(probe.getHttpGet().getScheme());
      int timeout = probe.getTimeoutSeconds() == null ? 1 : probe.getTimeoutSeconds();
      try {
        var conn = (HttpURLConnection) URI.create((https ? "https" : "http") + "://"
            + target.getAddress().getHostAddress() + ":" + target.getPort()
            + probe.getHttpGet().getPath()).toURL().openConnection(java.net.Proxy.NO_PROXY);
        if (conn instanceof javax.net.ssl.HttpsURLConnection tls) {
          // the kubelet does not verify a probe's certificate
          tls.setSSLSocketFactory(ProbeTls.CONTEXT.getSocketFactory());
          tls.setHostnameVerifier((h, session) -> true);
        }
        // a loaded 2-core machine: at least the 1 s the process mode always allowed
        conn.setConnectTimeout(Math.max(1000, timeout * 1000));
        conn.setReadTimeout(Math.max(1000, timeout * 1000));
        int code = conn.getResponseCode();
        conn.disconnect();
        return code >= 200 && code < 400 ? null : "HTTP " + code;
      } catch (IOException e) {
        return e.toString();
      }
    }

    /** Writes every volume; false (pod stays pending, as ContainerCreating) if a source is missing. */
    private boolean materialise(List<Volume> vols, List<VolumeMount> mounts) throws IOException {
      mountMap.clear();
      for (VolumeMount m : mounts == null ? List.<VolumeMount>of() : mounts) {
        Volume v = vols.stream().filter(x -> x.getName().equals(m.getName())).findFirst()
            .orElseThrow(() -> new IllegalStateException("no volume " + m.getName()));
        Path target;
        if (v.getPersistentVolumeClaim() != null) {
          target = Files.createDirectories(claimDir(namespace, v.getPersistentVolumeClaim()
              .getClaimName()));
          fsGroupOwnership(target);
        } else if (v.getHostPath() != null) {
          target = Files.createDirectories(nodeRoot.resolve(v.getHostPath().getPath()
              .replaceFirst("^/+", "")));
        } else if (v.getEmptyDir() != null) {
          target = Files.createDirectories(dir.resolve("emptydir").resolve(v.getName()));
          if (cri != null) {
            // the kubelet makes an emptyDir world-writable (0777)
            Files.setPosixFilePermissions(target, AtomicWriter.permissions(0777));
          }
        } else {
          target = dir.resolve("mounts").resolve(m.getMountPath().replaceFirst("^/+", ""));
        }
        mountMap.put(m.getMountPath(), target);
      }
      for (VolumeMount m : mounts == null ? List.<VolumeMount>of() : mounts) {
        Volume v = vols.stream().filter(x -> x.getName().equals(m.getName())).findFirst().get();
        if (VolumeFiles.handles(v) && !writeVolume(v, m)) {
          return false;
        }
      }
      return true;
    }

    /**
     * CRI mode: a claim's folder is given to the pod's fsGroup (group-owned, group-writable,
     * setgid), as the kubelet does for volumes that support ownership management.
     */
    private void fsGroupOwnership(Path target) throws IOException {
      var podSc = currentSpecOrTemplateSecurity();
      if (cri == null || podSc == null || podSc.getFsGroup() == null) {
        return;
      }
      int gid = podSc.getFsGroup().intValue();
      try (var walk = Files.walk(target)) {
        for (Path p : walk.toList()) {
          Files.setAttribute(p, "unix:gid", gid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
          if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            int mode = (Integer) Files.getAttribute(p, "unix:mode");
            Files.setAttribute(p, "unix:mode", (mode & 07777) | 02070);
          } else if (!Files.isSymbolicLink(p)) {
            int mode = (Integer) Files.getAttribute(p, "unix:mode");
            Files.setAttribute(p, "unix:mode", (mode & 07777) | 0060);
          }
        }
      }
    }

    private io.fabric8.kubernetes.api.model.PodSecurityContext currentSpecOrTemplateSecurity() {
      return currentSpec == null ? null : currentSpec.getSecurityContext();
    }

    private void refreshVolumes(List<Volume> vols, List<VolumeMount> mounts) throws IOException {
      for (VolumeMount m : mounts == null ? List.<VolumeMount>of() : mounts) {
        Volume v = vols.stream().filter(x -> x.getName().equals(m.getName())).findFirst().get();
        if (VolumeFiles.handles(v)) {
          writeVolume(v, m);
        }
      }
    }

    /**
     * Writes a Secret, ConfigMap or projected volume if one of its objects changed since; false if
     * a required source is missing.
     */
    private boolean writeVolume(Volume v, VolumeMount m) throws IOException {
      // process mode: ConfigMap text is the one place paths are rewritten to where the mounts
      // landed; a container reads its files where the config says
      VolumeFiles.Contents contents = VolumeFiles.of(v, client, namespace,
          cri != null ? text -> text
              : text -> rewriteListenAddresses(rewrite(text), portsByNumber));
      if (!contents.ready()) {
        pending = contents.missing();
        return false;
      }
      if (contents.version().equals(writtenVersions.get(m.getMountPath()))) {
        return true;
      }
      if (m.getSubPath() != null) {
        throw new IllegalStateException("subPath mounts are not supported by the test kubelet");
      }
      Path target = mountMap.get(m.getMountPath());
      AtomicWriter.writeFiles(target, contents.files());
      if (cri != null) {
        fsGroupFiles(target);
      }
      writtenVersions.put(m.getMountPath(), contents.version());
      return true;
    }

    /**
     * CRI mode: Secret/ConfigMap files are group-owned by the pod's fsGroup and group-readable
     * (the kubelet's SetVolumeOwnership), so a 0400 key is readable by a non-root container.
     */
    private void fsGroupFiles(Path target) throws IOException {
      var podSc = currentSpecOrTemplateSecurity();
      if (podSc == null || podSc.getFsGroup() == null) {
        return;
      }
      int gid = podSc.getFsGroup().intValue();
      try (var walk = Files.walk(target)) {
        for (Path p : walk.toList()) {
          if (Files.isSymbolicLink(p)) {
            continue;
          }
          Files.setAttribute(p, "unix:gid", gid);
          int mode = (Integer) Files.getAttribute(p, "unix:mode");
          Files.setAttribute(p, "unix:mode", (mode & 07777)
              | (Files.isDirectory(p) ? 02050 : (mode & 0400) >> 3));
        }
      }
    }

    /**
     * Process mode: absolute paths under a mount, rewritten to where the mount was materialised,
     * in one pass (longest mount path first), so a rewritten path is never rewritten again. A
     * container sees its mounts where the pod says: nothing to rewrite.
     */
    String rewrite(String text) {
      return cri != null ? text : rewritePaths(text, mountMap);
    }

    private void launch(Container c) throws IOException {
      if (!imagePresent(c)) {
        return;
      }
      if (cri != null) {
        launchContainer(c);
      } else {
        launchProcess(c);
      }
    }

    /**
     * CRI mode: the pod's sandbox (once), then the container from its image with the pod's
     * mounts, environment and security, as the kubelet creates it. A refusal (bad security
     * context) or a runtime error leaves the pod pending with the reason, retried later.
     */
    private void launchContainer(Container c) throws IOException {
      try {
        criPod.ensureSandbox();
      } catch (io.grpc.StatusRuntimeException e) {
        refuse("FailedCreatePodSandBox: " + e.getStatus().getDescription());
        return;
      }
      var env = new LinkedHashMap<String, String>();
      if (!containerEnv(c, env)) {
        return;
      }
      var mounts = new ArrayList<CriPodConfig.HostMount>();
      for (VolumeMount m : c.getVolumeMounts() == null ? List.<VolumeMount>of()
          : c.getVolumeMounts()) {
        Volume v = currentSpec.getVolumes().stream().filter(x -> x.getName().equals(m.getName()))
            .findFirst().orElseThrow();
        // Secret, ConfigMap and projected volumes are always mounted read-only
        boolean readOnly = Boolean.TRUE.equals(m.getReadOnly()) || VolumeFiles.handles(v);
        mounts.add(new CriPodConfig.HostMount(m.getMountPath(), mountMap.get(m.getMountPath()),
            readOnly));
      }
      serviceAccountMount(env, mounts);
      var config = new Object() {
        dev.portcullis.operator.testsupport.cri.v1.ContainerConfig value;
      };
      try {
        config.value = CriPodConfig.container(c, currentSpec, starts, env, mounts,
            log.getFileName().toString());
      } catch (IllegalArgumentException e) {
        refuse("CreateContainerConfigError: " + e.getMessage());
        return;
      }
      try {
        note("start " + c.getImage() + " command=" + c.getCommand() + " args=" + c.getArgs()
            + " in sandbox " + criPod.ip().getHostAddress());
        lastEnv = Map.copyOf(env);
        container = criPod.start(config.value);
        starts++;
        pending = null;
      } catch (io.grpc.StatusRuntimeException e) {
        refuse("CreateContainerError: the runtime refused the container: "
            + e.getStatus().getDescription());
      }
    }

    private void refuse(String why) {
      if (!why.equals(pending)) {
        note(why);
      }
      pending = why;
      restartAfter = System.currentTimeMillis() + 2000;
    }

    /** env then envFrom... as the kubelet resolves them; false if a required source is missing. */
    private boolean containerEnv(Container c, Map<String, String> env) {
      for (var from : c.getEnvFrom() == null ? List.<io.fabric8.kubernetes.api.model.EnvFromSource>of()
          : c.getEnvFrom()) {
        String prefix = from.getPrefix() == null ? "" : from.getPrefix();
        if (from.getConfigMapRef() != null) {
          ConfigMap cm = client.configMaps().inNamespace(namespace)
              .withName(from.getConfigMapRef().getName()).get();
          if (cm == null) {
            if (Boolean.TRUE.equals(from.getConfigMapRef().getOptional())) {
              continue;
            }
            refuse("CreateContainerConfigError: configmap \"" + from.getConfigMapRef().getName()
                + "\" not found");
            return false;
          }
          if (cm.getData() != null) {
            cm.getData().forEach((k, v) -> env.put(prefix + k, v));
          }
        }
        if (from.getSecretRef() != null) {
          Secret s = client.secrets().inNamespace(namespace)
              .withName(from.getSecretRef().getName()).get();
          if (s == null) {
            if (Boolean.TRUE.equals(from.getSecretRef().getOptional())) {
              continue;
            }
            refuse("CreateContainerConfigError: secret \"" + from.getSecretRef().getName()
                + "\" not found");
            return false;
          }
          if (s.getData() != null) {
            s.getData().forEach((k, v) -> env.put(prefix + k, new String(
                Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
          }
        }
      }
      for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
        String value = envValue(e);
        if (value == null) {
          refuse("CreateContainerConfigError: the value of " + e.getName() + " cannot be"
              + " resolved (missing Secret/ConfigMap or key)");
          return false;
        }
        env.put(e.getName(), value);
      }
      return true;
    }

    /**
     * CRI mode: the ServiceAccount token files mounted where every client looks for them, and the
     * API server's address; the API server is the mock one on the host's loopback, reached
     * through a relay on the node's address, in plain HTTP (KUBERNETES_MASTER, which the Fabric8
     * client reads: the one liberty left).
     */
    private void serviceAccountMount(Map<String, String> env, List<CriPodConfig.HostMount> mounts)
        throws IOException {
      var spec = currentSpec;
      if (spec == null || spec.getServiceAccountName() == null
          || Boolean.FALSE.equals(spec.getAutomountServiceAccountToken())) {
        return;
      }
      Path sa = Files.createDirectories(dir.resolve("serviceaccount"));
      AtomicWriter.write(sa, Map.of(
          "token", ("kubelet-projected-token-of-" + namespace + "-"
              + spec.getServiceAccountName()).getBytes(StandardCharsets.UTF_8),
          "namespace", namespace.getBytes(StandardCharsets.UTF_8)));
      mounts.add(new CriPodConfig.HostMount("/var/run/secrets/kubernetes.io/serviceaccount", sa,
          true));
      var api = apiRelay.address();
      env.put("KUBERNETES_SERVICE_HOST", api.getAddress().getHostAddress());
      env.put("KUBERNETES_SERVICE_PORT", String.valueOf(api.getPort()));
      env.put("KUBERNETES_MASTER", apiRelay.url("http"));
    }

    private void launchProcess(Container c) throws IOException {
      if (c.getCommand() != null && !c.getCommand().isEmpty()) {
        throw new IllegalStateException("container command overrides the image entrypoint;"
            + " the test kubelet only runs the registry image's entrypoint: " + c.getCommand());
      }
      var cmd = new ArrayList<String>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(image.jvmArguments());
      // what the JVM would read from the container's cgroup: MaxRAMPercentage applies to the limit
      memoryLimit(c).ifPresent(bytes -> cmd.add("-XX:MaxRAM=" + bytes));
      Path tmp = mountMap.getOrDefault("/tmp", Files.createDirectories(dir.resolve("tmp")));
      cmd.add("-Djava.io.tmpdir=" + tmp);
      cmd.add("-jar");
      cmd.add(jar.toString());
      for (String a : c.getArgs() == null ? List.<String>of() : c.getArgs()) {
        cmd.add(rewrite(a));
      }
      var pb = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      var env = pb.environment();
      env.clear();
      env.putAll(image.environment());
      env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
      env.put("HOME", Files.createDirectories(dir.resolve("home")).toString());
      for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
        String value = envValue(e);
        if (value != null) {
          env.put(e.getName(), value);
        }
      }
      serviceAccountEnv(env);
      portsByNumber.forEach((containerPort, local) -> {
        String var = PORT_ENV.get(containerPort);
        if (var != null) {
          env.put(var, "127.0.0.1:" + local);
        }
      });
      Files.writeString(log, "---- " + Instant.now() + " start " + String.join(" ", cmd) + "\n",
          StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      lastEnv = Map.copyOf(env);
      Process process = pb.start();
      process.getOutputStream().close();
      container = new HostProcess(process);
      starts++;
      pending = null;
    }

    /**
     * Process mode: what the kubelet gives a pod whose ServiceAccount token is mounted: the API
     * server's address in KUBERNETES_SERVICE_HOST/PORT and the token, namespace files at
     * /var/run/secrets/kubernetes.io/serviceaccount. Two liberties, both through settings the
     * Fabric8 client reads: the mock API server speaks plain HTTP (KUBERNETES_MASTER), and the
     * token file is where this pod's folder put it (KUBERNETES_AUTH_SERVICEACCOUNT_TOKEN). The mock
     * server does not authenticate callers, so the token is a placeholder naming the account.
     */
    private void serviceAccountEnv(Map<String, String> env) throws IOException {
      var spec = currentSpec;
      if (spec == null || spec.getServiceAccountName() == null
          || Boolean.FALSE.equals(spec.getAutomountServiceAccountToken())) {
        return;
      }
      Path sa = Files.createDirectories(dir.resolve("mounts").resolve(
          "var/run/secrets/kubernetes.io/serviceaccount"));
      Files.writeString(sa.resolve("token"), "kubelet-projected-token-of-" + namespace + "-"
          + spec.getServiceAccountName());
      Files.writeString(sa.resolve("namespace"), namespace);
      URI api = URI.create(client.getConfiguration().getMasterUrl());
      env.put("KUBERNETES_SERVICE_HOST", api.getHost());
      env.put("KUBERNETES_SERVICE_PORT", String.valueOf(api.getPort()));
      env.put("KUBERNETES_MASTER", api.toString());
      env.put("KUBERNETES_AUTH_SERVICEACCOUNT_TOKEN", sa.resolve("token").toString());
      env.put("KUBERNETES_NAMESPACE", namespace);
    }

    private java.util.Optional<Long> memoryLimit(Container c) {
      if (c.getResources() == null || c.getResources().getLimits() == null
          || c.getResources().getLimits().get("memory") == null) {
        return java.util.Optional.empty();
      }
      return java.util.Optional.of(io.fabric8.kubernetes.api.model.Quantity
          .getAmountInBytes(c.getResources().getLimits().get("memory")).longValue());
    }

    private String envValue(EnvVar e) {
      if (e.getValueFrom() == null) {
        return e.getValue() == null ? "" : rewrite(e.getValue());
      }
      var from = e.getValueFrom();
      if (from.getSecretKeyRef() != null) {
        Secret s = client.secrets().inNamespace(namespace)
            .withName(from.getSecretKeyRef().getName()).get();
        if (s == null) {
          return null;
        }
        String key = from.getSecretKeyRef().getKey();
        String v = s.getData() == null ? null : s.getData().get(key);
        if (v != null) {
          return new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8);
        }
        // the mock server keeps stringData as written (a real API server folds it into data)
        return s.getStringData() == null ? null : s.getStringData().get(key);
      }
      if (from.getConfigMapKeyRef() != null) {
        ConfigMap cm = client.configMaps().inNamespace(namespace)
            .withName(from.getConfigMapKeyRef().getName()).get();
        return cm == null || cm.getData() == null ? null
            : cm.getData().get(from.getConfigMapKeyRef().getKey());
      }
      if (from.getFieldRef() != null) {
        return switch (from.getFieldRef().getFieldPath()) {
          case "metadata.name" -> name;
          case "metadata.namespace" -> namespace;
          case "metadata.uid" -> uid;
          case "spec.nodeName" -> "node-0";
          case "status.podIP" -> criPod == null || criPod.ip() == null ? "127.0.0.1"
              : criPod.ip().getHostAddress();
          case "status.hostIP" -> cri == null ? "127.0.0.1" : CriRuntime.gateway().getHostAddress();
          default -> null;
        };
      }
      return null;
    }

    // ---- the Pod object, as the kubelet reports it ----

    /**
     * Whether the node has the container's image, pulling it if not (imagePullPolicy
     * IfNotPresent): the CRI's ImageStatus, then PullImage, in CRI mode; in process mode the node
     * holds the registry image only (the jar stands for it) and has no registry to pull others
     * from. A failed pull leaves the container waiting, ErrImagePull on the attempt and
     * ImagePullBackOff between attempts, as the kubelet reports them.
     */
    private boolean imagePresent(Container c) {
      String failure = cri != null ? pull(c.getImage())
          : c.getImage() != null && c.getImage().contains(REGISTRY_IMAGE) ? null
          : "failed to pull and unpack image \"" + c.getImage() + "\": the node holds only the"
              + " registry image (process mode) and has no registry to pull from";
      if (failure == null) {
        pullFailures = 0;
        return true;
      }
      refuse(++pullFailures % 2 == 1 ? "ErrImagePull: " + failure
          : "ImagePullBackOff: Back-off pulling image \"" + c.getImage() + "\"");
      return false;
    }

    /** CRI mode: null once the node has the image, else the runtime's error. */
    private String pull(String image) {
      var spec = dev.portcullis.operator.testsupport.cri.v1.ImageSpec.newBuilder().setImage(image)
          .build();
      try {
        if (cri.images().withDeadlineAfter(30, TimeUnit.SECONDS).imageStatus(
            dev.portcullis.operator.testsupport.cri.v1.ImageStatusRequest.newBuilder()
                .setImage(spec).build()).hasImage()) {
          return null;
        }
        note("pulling image " + image);
        cri.images().withDeadlineAfter(60, TimeUnit.SECONDS).pullImage(
            dev.portcullis.operator.testsupport.cri.v1.PullImageRequest.newBuilder()
                .setImage(spec).build());
        return null;
      } catch (io.grpc.StatusRuntimeException e) {
        return "rpc error: code = " + e.getStatus().getCode() + " desc = "
            + e.getStatus().getDescription();
      }
    }

    /**
     * A container's end as lastState.terminated says it: exit code, the runtime's reason (else
     * Error or Completed) and, under FallbackToLogsOnError, its last log lines as the message.
     */
    private io.fabric8.kubernetes.api.model.ContainerStateTerminated termination(
        RunningContainer rc, Container c) {
      int code;
      String reason;
      try {
        code = rc.exitCode();
        reason = rc.reason();
      } catch (RuntimeException gone) {
        code = 137;
        reason = null;
      }
      if (reason == null || reason.isEmpty() || "Removed".equals(reason)) {
        reason = code == 0 ? "Completed" : "Error";
      }
      String message = code != 0
          && "FallbackToLogsOnError".equals(c.getTerminationMessagePolicy()) ? lastLogLines() : null;
      return new io.fabric8.kubernetes.api.model.ContainerStateTerminatedBuilder()
          .withExitCode(code).withReason(reason).withMessage(message)
          .withStartedAt(startedAt).withFinishedAt(now()).build();
    }

    /**
     * What FallbackToLogsOnError keeps: the last container's last log lines, 80 at most and 2048
     * bytes at most (the kubelet's limits), without the test kubelet's own lines.
     */
    private String lastLogLines() {
      List<String> lines = logText().lines().toList();
      int from = 0;
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (CONTAINER_START.matcher(lines.get(i)).find()) {
          from = i + 1;
          break;
        }
      }
      var own = lines.subList(from, lines.size()).stream()
          .filter(l -> !l.startsWith("---- "))
          .map(l -> CRI_LOG_PREFIX.matcher(l).replaceFirst("")).toList();
      String text = String.join("\n", own.subList(Math.max(0, own.size() - 80), own.size()));
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      return bytes.length <= 2048 ? text
          : new String(bytes, bytes.length - 2048, 2048, StandardCharsets.UTF_8);
    }

    /**
     * Creates the pod's object on the API server, then writes its status when it changes: phase,
     * conditions and the container's status (state, lastState, restartCount), which is what the
     * operator reads to say why a pod does not run.
     */
    void publish(Workload w) {
      Container c = w.template.getSpec().getContainers().get(0);
      var status = podStatus(c);
      if (status.equals(published)) {
        return;
      }
      var api = client.pods().inNamespace(namespace);
      try {
        var live = api.withName(name).get();
        if (live == null) {
          live = api.resource(podObject(w)).create();
        }
        live.setStatus(status);
        api.resource(live).updateStatus();
        published = status;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        note("cannot write pod status: " + e.getMessage());
      }
    }

    /** The Pod the workload controller would create: the template, bound to the one node. */
    private io.fabric8.kubernetes.api.model.Pod podObject(Workload w) {
      var owner = w.object.getMetadata();
      var spec = client.getKubernetesSerialization().clone(w.template.getSpec());
      spec.setNodeName("node-0");
      // the workload stands for the ReplicaSet a Deployment's pods belong to
      return new io.fabric8.kubernetes.api.model.PodBuilder()
          .withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels)
            .withAnnotations(w.template.getMetadata().getAnnotations())
            .addNewOwnerReference().withApiVersion("apps/v1").withKind(w.object.getKind())
              .withName(owner.getName()).withUid(owner.getUid()).withController(true)
              .withBlockOwnerDeletion(true).endOwnerReference()
          .endMetadata()
          .withSpec(spec)
          .build();
    }

    private io.fabric8.kubernetes.api.model.PodStatus podStatus(Container c) {
      RunningContainer running = container;
      if (running != seenContainer) {
        seenContainer = running;
        startedAt = running == null ? null : now();
      }
      boolean isReady = ready && running != null;
      if (isReady != (readySince != null)) {
        readySince = isReady ? now() : null;
      }
      var state = new io.fabric8.kubernetes.api.model.ContainerStateBuilder();
      if (running != null && running.alive()) {
        state.withNewRunning().withStartedAt(startedAt).endRunning();
      } else if (running != null) {
        state.withTerminated(termination(running, c)); // exited, the restart is yet to come
      } else {
        String why = pending == null ? "" : pending;
        String reason = "ContainerCreating";
        String message = null;
        if (why.startsWith("restarting")) {
          reason = "CrashLoopBackOff";
          message = "back-off 1s restarting failed container=" + c.getName() + " pod=" + name
              + "_" + namespace + "(" + uid + ")";
        } else {
          for (String r : WAITING_REASONS) {
            if (why.startsWith(r + ": ")) {
              reason = r;
              message = why.substring(r.length() + 2);
            }
          }
        }
        state.withNewWaiting().withReason(reason).withMessage(message).endWaiting();
      }
      var containerStatus = new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
          .withName(c.getName()).withImage(c.getImage()).withReady(isReady)
          .withStarted(running != null && running.alive() && started)
          .withRestartCount(Math.max(0, starts - 1))
          .withState(state.build());
      if (lastTerminated != null) {
        containerStatus.withNewLastState().withTerminated(lastTerminated).endLastState();
      }
      String transition = readySince != null ? readySince : createdAt;
      String ip = cri == null ? "127.0.0.1"
          : criPod.ip() == null ? null : criPod.ip().getHostAddress();
      return new io.fabric8.kubernetes.api.model.PodStatusBuilder()
          // Running once a container was started, whatever happened to it since
          .withPhase(starts > 0 ? "Running" : "Pending")
          .addNewCondition().withType("PodScheduled").withStatus("True")
            .withLastTransitionTime(createdAt).endCondition()
          .addNewCondition().withType("Initialized").withStatus("True")
            .withLastTransitionTime(createdAt).endCondition()
          .addNewCondition().withType("ContainersReady").withStatus(isReady ? "True" : "False")
            .withReason(isReady ? null : "ContainersNotReady")
            .withLastTransitionTime(transition).endCondition()
          .addNewCondition().withType("Ready").withStatus(isReady ? "True" : "False")
            .withReason(isReady ? null : "ContainersNotReady")
            .withLastTransitionTime(transition).endCondition()
          .withHostIP(cri == null ? "127.0.0.1" : CriRuntime.gateway().getHostAddress())
          .withPodIP(ip)
          .withStartTime(createdAt)
          .withContainerStatuses(containerStatus.build())
          .build();
    }

    /** The pod's object goes with the pod. */
    private void unpublish() {
      if (published == null) {
        return;
      }
      published = null;
      try {
        client.pods().inNamespace(namespace).withName(name).delete();
      } catch (RuntimeException e) {
        // the API server is gone already (the test is over)
      }
    }

    /** SIGTERM and the grace period, then the pod's sandbox goes (CRI mode). */
    void stop() {
      unpublish();
      ready = false;
      RunningContainer c = container;
      if (c != null) {
        c.stop(15); // SIGTERM: the registry drains
      }
      if (criPod != null) {
        criPod.remove();
      }
    }
  }

  /** Process mode: the container is a host process. */
  private static final class HostProcess implements RunningContainer {
    private final Process process;

    HostProcess(Process process) {
      this.process = process;
    }

    @Override
    public boolean alive() {
      return process.isAlive();
    }

    @Override
    public int exitCode() {
      return process.exitValue();
    }

    @Override
    public long pid() {
      return process.pid();
    }

    @Override
    public void stop(int graceSeconds) {
      process.destroy();
      try {
        if (!process.waitFor(graceSeconds, TimeUnit.SECONDS)) {
          process.descendants().forEach(ProcessHandle::destroyForcibly);
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void kill() {
      process.destroyForcibly();
    }

    @Override
    public String toString() {
      return "pid " + process.pid();
    }
  }

  /** The kubelet's atomic writer: new files in a fresh folder, then one rename of {@code ..data}. */
  static final class AtomicWriter {
    private static final AtomicInteger GENERATION = new AtomicInteger();

    static void write(Path dir, Map<String, byte[]> files) throws IOException {
      var withModes = new LinkedHashMap<String, VolumeFiles.File>();
      files.forEach((k, v) -> withModes.put(k, new VolumeFiles.File(v, VolumeFiles.DEFAULT_MODE)));
      writeFiles(dir, withModes);
    }

    static void writeFiles(Path dir, Map<String, VolumeFiles.File> files) throws IOException {
      Files.createDirectories(dir);
      Path data = dir.resolve("..data");
      Path old = Files.isSymbolicLink(data) ? dir.resolve(Files.readSymbolicLink(data)) : null;
      Path ts = dir.resolve("..%s_%d".formatted(
          Instant.now().toString().replace(':', '_'), GENERATION.incrementAndGet()));
      Files.createDirectories(ts);
      for (var f : files.entrySet()) {
        Path file = ts.resolve(f.getKey());
        Files.createDirectories(file.getParent());
        Files.write(file, f.getValue().content());
        Files.setPosixFilePermissions(file, permissions(f.getValue().mode()));
      }
      Path tmpLink = dir.resolve("..data_tmp");
      Files.deleteIfExists(tmpLink);
      Files.createSymbolicLink(tmpLink, ts.getFileName());
      Files.move(tmpLink, data, StandardCopyOption.ATOMIC_MOVE);
      for (String key : files.keySet()) {
        String top = key.split("/", 2)[0];
        Path link = dir.resolve(top);
        if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.createSymbolicLink(link, Path.of("..data").resolve(top));
        }
      }
      try (var listing = Files.list(dir)) {
        for (Path p : listing.toList()) {
          String n = p.getFileName().toString();
          if (!n.startsWith("..") && Files.isSymbolicLink(p)
              && files.keySet().stream().noneMatch(k -> k.split("/", 2)[0].equals(n))) {
            Files.delete(p); // a key that went away
          }
        }
      }
      if (old != null && !old.equals(ts)) {
        deleteTree(old);
      }
    }

    /** The rwx bits of a Kubernetes file mode (0440 -> r--r-----). */
    static java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions(int mode) {
      var all = java.nio.file.attribute.PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE
      var set = java.util.EnumSet.noneOf(java.nio.file.attribute.PosixFilePermission.class);
      for (int i = 0; i < all.length; i++) {
        if ((mode & (0400 >> i)) != 0) {
          set.add(all[i]);
        }
      }
      return set;
    }

    static void deleteTree(Path p) throws IOException {
      if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        return;
      }
      try (var walk = Files.walk(p)) {
        for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(x);
        }
      }
    }
  }
}
