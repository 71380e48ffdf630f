package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.GarbageCollectionSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code spec.imagePullSecrets}: a platform that mirrors the Portcullis images into a private
 * registry names its pull Secret once, and every pod the registry runs can pull. Without it the
 * pod templates must not change at all, or every existing registry's pods would roll on upgrade.
 */
class ImagePullSecretsTest {

  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private static SecureRegistry registry() {
    // managed token issuer, a claim (so garbage collection is allowed) and a GC schedule
    var r = Registries.managedLdap("apps", "reg");
    r.getSpec().garbageCollection = new GarbageCollectionSpec();
    r.getSpec().garbageCollection.schedule = "0 3 * * 0";
    return r;
  }

  /** The three pod templates the registry owns, by what they are. */
  private static Map<String, PodSpec> pods(SecureRegistry r) {
    return Map.of(
        "registry Deployment", DeploymentModel.desired(r).getSpec().getTemplate().getSpec(),
        "token issuer Deployment", TokenIssuerModel.deployment(r).getSpec().getTemplate().getSpec(),
        "garbage-collection CronJob", ProductionModel.gcCronJob(r).getSpec().getJobTemplate()
            .getSpec().getTemplate().getSpec());
  }

  @Test
  void everyPodOfTheRegistryPullsWithTheNamedSecrets() {
    var r = registry();
    r.getSpec().imagePullSecrets = List.of(new LocalObjectReference("mirror"),
        new LocalObjectReference("mirror-fallback"));
    pods(r).forEach((what, pod) -> assertThat(pod.getImagePullSecrets()).as(what)
        .extracting(LocalObjectReference::getName)
        .containsExactly("mirror", "mirror-fallback"));
  }

  @Test
  void withoutThemThePodTemplatesAreUnchanged() {
    var absent = registry();
    var empty = registry();
    empty.getSpec().imagePullSecrets = List.of();
    var withEmpty = pods(empty);
    pods(absent).forEach((what, pod) -> {
      String yaml = JSON.asYaml(pod);
      assertThat(yaml).as(what).doesNotContain("imagePullSecrets");
      assertThat(JSON.asYaml(withEmpty.get(what))).as(what + " with an empty list")
          .isEqualTo(yaml);
    });
  }
}
