package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.StorageSpec;
import dev.portcullis.operator.testsupport.Registries;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpecCheckTest {

  @Test
  void severalReplicasNeedSharedStorage() {
    var r = Registries.basic("apps", "reg");
    r.getSpec().replicas = 3;
    assertThat(SpecCheck.check(r)).extracting(Problem::message)
        .containsExactly("replicas: 3 needs s3 or azure storage or a ReadWriteMany claim");
    r.getSpec().storage.persistentVolumeClaim.accessModes = List.of("ReadWriteMany");
    assertThat(SpecCheck.check(r)).isEmpty();
  }

  @Test
  void exactlyOneStorageKind() {
    var r = Registries.basic("apps", "reg");
    r.getSpec().storage.emptyDir = new StorageSpec.EmptyDir();
    assertThat(SpecCheck.check(r)).extracting(Problem::reason).containsExactly("InvalidStorage");
  }

  @Test
  void garbageCollectionCannotShareAReadWriteOncePodClaim() {
    var r = Registries.basic("apps", "reg");
    r.getSpec().garbageCollection = new dev.portcullis.operator.api.GarbageCollectionSpec();
    r.getSpec().garbageCollection.schedule = "0 3 * * 0";
    assertThat(SpecCheck.check(r)).isEmpty();
    r.getSpec().storage.persistentVolumeClaim.accessModes = List.of("ReadWriteOncePod");
    assertThat(SpecCheck.check(r)).extracting(p -> p.reason() + ": " + p.message())
        .containsExactly("InvalidGarbageCollection: garbageCollection cannot share a"
            + " ReadWriteOncePod claim with the registry: use ReadWriteOnce or ReadWriteMany, or"
            + " leave garbageCollection out");
    r.getSpec().garbageCollection = null;
    assertThat(SpecCheck.check(r)).isEmpty();
  }

  @Test
  void theGarbageCollectionScheduleIsACronSchedule() {
    var r = Registries.basic("apps", "reg");
    r.getSpec().garbageCollection = new dev.portcullis.operator.api.GarbageCollectionSpec();
    for (String ok : List.of("0 3 * * 0", "*/15 2-4 1,15 JAN-MAR MON-FRI", "@daily",
        "@every 6h")) {
      r.getSpec().garbageCollection.schedule = ok;
      assertThat(SpecCheck.check(r)).as(ok).isEmpty();
    }
    for (String bad : List.of("daily", "0 3 * *", "0 3 * * 0 2026", "@sometimes",
        "TZ=UTC 0 3 * * 0")) {
      r.getSpec().garbageCollection.schedule = bad;
      assertThat(SpecCheck.check(r)).as(bad).extracting(p -> p.reason() + ": " + p.message())
          .containsExactly("InvalidGarbageCollection: garbageCollection.schedule '" + bad
              + "' is not a cron schedule: five fields (minute hour day-of-month month"
              + " day-of-week, e.g. '0 3 * * 0') or one of @yearly, @annually, @monthly,"
              + " @weekly, @daily, @midnight, @hourly");
    }
  }

  @Test
  void aTokenLifetimeIsReadAsGoReadsItFractionsIncluded() {
    var r = Registries.managedLdap("apps", "reg");
    assertThat(SpecCheck.check(r)).isEmpty();
    // Fabric8's parser read "90.5s" as 5 seconds (refused) and "1.5h" as 5 hours
    r.getSpec().auth.token.managed.tokenLifetime = "90.5s";
    assertThat(SpecCheck.check(r)).isEmpty();
    r.getSpec().auth.token.managed.tokenLifetime = "1.5h";
    assertThat(SpecCheck.check(r)).isEmpty();
    assertThat(TokenIssuerModel.lifetimeSeconds(r)).isEqualTo(5400);
    r.getSpec().auth.token.managed.tokenLifetime = "59.9s";
    assertThat(SpecCheck.check(r)).extracting(p -> p.reason() + ": " + p.message())
        .containsExactly("InvalidAuth: auth.token.managed.tokenLifetime must be at least 1m");
  }

  @Test
  void theGarbageCollectionTimeoutIsAGoDurationOfAtLeastASecond() {
    var r = Registries.basic("apps", "reg");
    r.getSpec().garbageCollection = new dev.portcullis.operator.api.GarbageCollectionSpec();
    r.getSpec().garbageCollection.schedule = "0 3 * * 0";
    for (String ok : List.of("6h", "1s", "1h30m", "45m", "1500ms")) {
      r.getSpec().garbageCollection.timeout = ok;
      assertThat(SpecCheck.check(r)).as(ok).isEmpty();
    }
    for (String bad : List.of("0s", "0", "500ms", "-1h", "6 hours", "21600", "1.5h")) {
      r.getSpec().garbageCollection.timeout = bad;
      assertThat(SpecCheck.check(r)).as(bad).extracting(p -> p.reason() + ": " + p.message())
          .containsExactly("InvalidGarbageCollection: garbageCollection.timeout '" + bad
              + "' is not a Go duration in whole units of at least 1s (e.g. 6h, 1h30m,"
              + " 90s)");
    }
  }

  @Test
  void htpasswdNeedsUsersOrAnExistingSecret() {
    var r = Registries.htpasswd("apps", "reg", "rackham");
    assertThat(SpecCheck.check(r)).isEmpty();
    r.getSpec().auth.htpasswd.users = null;
    assertThat(SpecCheck.check(r)).extracting(Problem::reason).containsExactly("InvalidAuth");
  }

  /** Issue 25 item 3: the CRD's host rule, and the names the operator adds itself. */
  @Test
  void hostsAreDnsNamesWithAnOptionalPortAndNotTheOperatorsOwn() {
    var r = Registries.basic("apps", "reg");
    r.getSpec().host = List.of("registry.example.com", "registry.example.com:5000", "10.0.0.7:443",
        "localhost");
    assertThat(SpecCheck.check(r)).isEmpty();
    for (String bad : List.of("*.example.com", "Registry.example.com", "https://r.example.com",
        "r.example.com/path", "r.example.com:0", "r.example.com:70000", "-r.example.com",
        "localhost:30500", "reg.other.svc:5000", "reg.other.svc.cluster.local:5000", "",
        "a".repeat(64) + ".example.com")) {
      r.getSpec().host = List.of(bad);
      assertThat(SpecCheck.check(r)).as(bad).extracting(Problem::reason)
          .containsExactly("InvalidHost");
    }
    r.getSpec().host = java.util.stream.IntStream.range(0, 17).mapToObj(i -> "r" + i + ".example.com")
        .toList();
    assertThat(SpecCheck.check(r)).extracting(Problem::message)
        .containsExactly("spec.host lists 17 names; at most 16");
  }
}
