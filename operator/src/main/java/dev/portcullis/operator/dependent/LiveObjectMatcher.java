package dev.portcullis.operator.dependent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.portcullis.operator.model.GoDuration;
import io.fabric8.kubernetes.api.model.Duration;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.DiffFlags;
import io.fabric8.zjsonpatch.JsonDiff;
import java.util.EnumSet;

/**
 * Whether a live object already is what the operator wants, after the API server filled in its
 * defaults (probe timings, revision history, DNS policy, Service IPs, ...): the rule of JOSDK's
 * generic matcher — what the server added is fine, a value the desired object states differently
 * or lacks in the live one is not; under metadata only labels and annotations count — with two
 * differences that each made every reconcile of a real cluster send an update:
 *
 * <ul>
 *   <li>The JSON diff is taken without copy and move operations. With them, a default whose value
 *       appears elsewhere in the object (a probe's {@code failureThreshold: 3} next to
 *       {@code replicas: 3}, {@code serviceAccount} next to {@code serviceAccountName}) is reported
 *       as a "copy", which JOSDK does not count as an addition.
 *   <li>Durations are compared as values: the operator writes {@code 2160h}, and the informer's
 *       copy of the same Certificate is rendered by Fabric8 in nanoseconds.
 * </ul>
 */
final class LiveObjectMatcher {

  private static final EnumSet<DiffFlags> ADDITIONS_AS_ADDS =
      EnumSet.of(DiffFlags.OMIT_COPY_OPERATION, DiffFlags.OMIT_MOVE_OPERATION);

  /** Fabric8's serialization, with every Duration written in Go notation (whatever its class). */
  private static final KubernetesSerialization JSON = new KubernetesSerialization(
      JsonMapper.builder().addMixIn(Duration.class, GoDurationMixIn.class).build(), true);

  @JsonSerialize(using = GoDuration.Writer.class)
  private abstract static class GoDurationMixIn {}

  private LiveObjectMatcher() {}

  static boolean matches(HasMetadata desired, HasMetadata live) {
    JsonNode wanted = JSON.convertValue(desired, JsonNode.class);
    JsonNode stored = JSON.convertValue(live, JsonNode.class);
    for (JsonNode op : JsonDiff.asJson(wanted, stored, ADDITIONS_AS_ADDS)) {
      String path = op.get("path").asText();
      if (path.startsWith("/apiVersion") || path.startsWith("/kind") || path.startsWith("/status")) {
        continue;
      }
      if (path.startsWith("/metadata") && !path.startsWith("/metadata/labels")
          && !path.startsWith("/metadata/annotations")) {
        continue;
      }
      if (!"add".equals(op.get("op").asText())) {
        return false;
      }
    }
    return true;
  }
}
