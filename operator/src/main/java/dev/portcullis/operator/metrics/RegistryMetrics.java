package dev.portcullis.operator.metrics;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.SecureRegistryStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The operator's own metrics, per registry, for what JOSDK's cannot see: its reconcile handles
 * dependent failures itself (they go into the Ready condition), so JOSDK counts such a reconcile
 * as a success. Until {@link #publishTo} is called the meters go nowhere.
 *
 * <ul>
 *   <li>{@value #CONDITION}{namespace, name, condition}: 1 while the condition (Ready, Reconciling,
 *       Stalled) is True, else 0.
 *   <li>{@value #RECONCILE_ERRORS}{namespace, name}: reconciles that ended with an error (a
 *       dependent or API call failed, or the reconcile threw), not counting 409 Conflicts.
 * </ul>
 */
public final class RegistryMetrics {

  public static final String CONDITION = "portcullis.operator.registry.condition";
  public static final String RECONCILE_ERRORS = "portcullis.operator.reconcile.errors";
  static final List<String> CONDITIONS = List.of(ConditionTypes.READY,
      ConditionTypes.RECONCILING, ConditionTypes.STALLED);

  private final CompositeMeterRegistry meters = new CompositeMeterRegistry();
  private final Map<String, AtomicInteger> conditions = new ConcurrentHashMap<>();

  /** Publishes the meters (those there already, and those to come) to {@code registry}. */
  public void publishTo(MeterRegistry registry) {
    meters.add(registry);
  }

  /** Records the status just decided for {@code r}, and whether its reconcile failed. */
  public void observe(SecureRegistry r, SecureRegistryStatus status, boolean failed) {
    for (String type : CONDITIONS) {
      boolean on = status != null && status.condition(type)
          .map(c -> "True".equals(c.getStatus())).orElse(false);
      conditions.computeIfAbsent(key(r, type), k -> {
        var value = new AtomicInteger();
        Gauge.builder(CONDITION, value, AtomicInteger::get)
            .description("1 while the SecureRegistry's condition is True, else 0")
            .tags(tags(r).and("condition", type)).register(meters);
        return value;
      }).set(on ? 1 : 0);
    }
    var errors = errors(r);
    if (failed) {
      errors.increment();
    }
  }

  /** Removes the meters of a deleted registry. */
  public void forget(SecureRegistry r) {
    for (String type : CONDITIONS) {
      conditions.remove(key(r, type));
    }
    for (Meter m : List.copyOf(meters.getMeters())) {
      var id = m.getId();
      if (r.getMetadata().getNamespace().equals(id.getTag("namespace"))
          && r.getMetadata().getName().equals(id.getTag("name"))
          && (id.getName().equals(CONDITION) || id.getName().equals(RECONCILE_ERRORS))) {
        meters.remove(m);
      }
    }
  }

  private Counter errors(SecureRegistry r) {
    return Counter.builder(RECONCILE_ERRORS)
        .description("Reconciles of the SecureRegistry that ended with an error (not 409 Conflicts)")
        .tags(tags(r)).register(meters);
  }

  private static Tags tags(SecureRegistry r) {
    return Tags.of("namespace", r.getMetadata().getNamespace(), "name", r.getMetadata().getName());
  }

  private static String key(SecureRegistry r, String type) {
    return r.getMetadata().getNamespace() + "/" + r.getMetadata().getName() + "/" + type;
  }
}
