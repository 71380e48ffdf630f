package dev.portcullis.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.monitoring.DashboardRenderer;
import dev.portcullis.monitoring.MonitoringBundle;
import dev.portcullis.monitoring.Recording;
import dev.portcullis.operator.api.HealthSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.health.HealthProber;
import dev.portcullis.operator.reconciler.NodeTrustPublisher;
import dev.portcullis.operator.reconciler.SecureRegistryReconciler;
import dev.portcullis.operator.testsupport.MockCluster;
import dev.portcullis.operator.testsupport.Registries;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * Not a test: makes docs/images/dashboard.png (see docs/operations.md, "Regenerating the dashboard screenshot").
 * Records the operator's /metrics every 2 s for 80 s while it reconciles registries created one after another, with
 * status patches denied for a while (failed reconciles), then draws deploy/monitoring/portcullis-dashboard.json with
 * {@link DashboardRenderer} over this recording and the registry's, which RegistryScrapeRecorder (registry-image)
 * must have written first. Its name does not end in Test, so the build does not run it.
 */
class DashboardScreenshot {
  static final Duration SCRAPE_INTERVAL = Duration.ofSeconds(2);
  static final Duration LOAD = Duration.ofSeconds(80);
  static final Path OUT = Path.of("target/dashboard-scrapes/operator");
  static final Path REGISTRY_SCRAPES = MonitoringBundle.ROOT.resolve("registry-image/target/dashboard-scrapes/registry");
  static final Path IMAGE = MonitoringBundle.ROOT.resolve("docs/images/dashboard.png");

  /** The target labels a Prometheus Operator ServiceMonitor scrape attaches. */
  static final Map<String, String> REGISTRY_TARGET = Map.of("namespace", "team-a", "pod",
      "registry-6d5f8c7b9-x2k4q", "container", "registry", "job", "registry", "instance", "10.42.0.17:5001",
      "endpoint", "metrics");
  static final Map<String, String> OPERATOR_TARGET = Map.of("namespace", "portcullis-system", "pod",
      "portcullis-operator-5b7d9f6c4-h8w2n", "container", "operator", "job", "portcullis-operator", "instance",
      "10.42.0.9:8080", "endpoint", "metrics");

  @Test
  void recordAndRender() throws Exception {
    if (!Files.isDirectory(REGISTRY_SCRAPES)) {
      throw new IllegalStateException("no registry scrapes in " + REGISTRY_SCRAPES
          + ": run RegistryScrapeRecorder in registry-image first (docs/operations.md)");
    }
    // -Ddashboard.record=false draws again from the scrapes of the last run
    if (!"false".equals(System.getProperty("dashboard.record"))) {
      recordOperator();
    }
    render();
  }

  private void recordOperator() throws Exception {
    Files.createDirectories(OUT);
    try (var old = Files.list(OUT)) {
      for (Path p : old.toList()) {
        Files.delete(p);
      }
    }
    try (var cluster = new MockCluster(true)) {
      var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      var reconciler = new SecureRegistryReconciler(Clock.systemUTC(),
          new NodeTrustPublisher("portcullis-system", "img", Optional.empty()), HealthProber.NONE);
      var operator = OperatorMain.start(cluster.client, reconciler, Set.of(), o -> o
          .withInformerStoppedHandler(OperatorMain.LOG_INFORMER_STOP)
          .withMetrics(MicrometerMetrics.newPerResourceCollectingMicrometerMetricsBuilder(registry).build()));
      try (var endpoints = OperatorEndpoints.start(0, operator, registry)) {
        var http = HttpClient.newHttpClient();
        var scrape = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoints.port() + "/metrics")).build();
        AtomicReference<Exception> scrapeFailure = new AtomicReference<>();
        var scraper = Executors.newSingleThreadScheduledExecutor();
        scraper.scheduleAtFixedRate(() -> {
          try {
            long now = System.currentTimeMillis();
            Files.writeString(OUT.resolve(now + ".prom"), http.send(scrape, HttpResponse.BodyHandlers.ofString()).body());
          } catch (Exception e) {
            scrapeFailure.compareAndSet(null, e);
          }
        }, 0, SCRAPE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);

        long start = System.nanoTime();
        int created = 0;
        boolean denying = false;
        while (System.nanoTime() - start < LOAD.toNanos()) {
          long elapsed = Duration.ofNanos(System.nanoTime() - start).toSeconds();
          if (created < 1 + elapsed / 10) {
            cluster.client.resource(Registries.basic("team-" + (char) ('a' + created), "registry")).create();
            created++;
          }
          // a new health interval changes the registry's config, so each edit is a reconcile that patches status
          String edited = "team-" + (char) ('a' + (int) (elapsed % created));
          await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
            var r = cluster.client.resources(SecureRegistry.class).inNamespace(edited).withName("registry").get();
            r.getSpec().health = new HealthSpec();
            r.getSpec().health.storageDriver = new HealthSpec.StorageDriver();
            r.getSpec().health.storageDriver.interval = (10 + elapsed) + "s";
            cluster.client.resource(r).update();
            return true;
          });
          boolean deny = elapsed >= 40 && elapsed < 55;
          if (deny != denying) {
            // an admission webhook refusing team-a's status patches: its reconciles fail and are retried
            if (deny) {
              cluster.denied.add("/namespaces/team-a/secureregistries/registry/status");
            } else {
              cluster.denied.clear();
            }
            denying = deny;
          }
          Thread.sleep(1500);
        }
        Thread.sleep(SCRAPE_INTERVAL.toMillis() * 5);
        scraper.shutdown();
        assertThat(scraper.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        if (scrapeFailure.get() != null) {
          throw scrapeFailure.get();
        }
      } finally {
        operator.stop();
      }
    }
  }

  private void render() throws Exception {
    Recording recording = new Recording();
    recording.addFolder(REGISTRY_SCRAPES, REGISTRY_TARGET, 0);
    long registryStart = Recording.firstMillis(REGISTRY_SCRAPES);
    int registryScrapes;
    try (var s = Files.list(REGISTRY_SCRAPES)) {
      registryScrapes = (int) s.count();
    }
    // recorded in separate runs: the operator's scrapes are moved to start with the registry's
    recording.addFolder(OUT, OPERATOR_TARGET, registryStart - Recording.firstMillis(OUT));
    int operatorScrapes;
    try (var s = Files.list(OUT)) {
      operatorScrapes = (int) s.count();
    }
    var range = new DashboardRenderer.Range(recording.firstMillis(), recording.lastMillis(),
        SCRAPE_INTERVAL.toMillis(), SCRAPE_INTERVAL.toMillis());
    var dashboard = new ObjectMapper().readTree(MonitoringBundle.DASHBOARD.toFile());
    var renderer = new DashboardRenderer(dashboard, recording, range, Map.of("namespace", ".*"), List.of(
        "Not Grafana: drawn with Java2D by DashboardScreenshot from " + registryScrapes + " + " + operatorScrapes
            + " scrapes (every 2 s) of a real Portcullis registry (TLS, htpasswd, online GC, upload purging; pushes,"
            + " pulls, guessed passwords) and operator (registries created and edited, status patches denied for 15 s).",
        "Each panel's own PromQL evaluated by PromqlEvaluator with Prometheus's semantics; $__rate_interval = "
            + range.rateIntervalMillis() / 1000 + "s, namespace = All; registry and operator recorded in separate"
            + " runs and aligned at their first scrape. Times are UTC."));
    Files.createDirectories(IMAGE.getParent());
    ImageIO.write(renderer.render(), "png", IMAGE.toFile());
    assertThat(IMAGE).exists();
  }
}
