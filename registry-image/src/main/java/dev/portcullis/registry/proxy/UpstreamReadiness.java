package dev.portcullis.registry.proxy;

import dev.portcullis.registry.health.Checks;
import dev.portcullis.registry.health.HealthCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One readiness check per upstream, {@code proxy_upstream_NAME}: it fails, naming the upstream and why, until the
 * upstream has answered once, so a misspelt or unreachable upstream shows at start instead of on the first pull.
 * Afterwards an upstream outage does not fail it: the cache keeps serving what it holds, which is its purpose. For the
 * same reason a cache that already holds repositories of the upstream (a pod restarted during an outage) is ready
 * without it: an unready pod would leave the Service, and the nodes without the images they cached.
 */
public final class UpstreamReadiness {
    private UpstreamReadiness() {}

    public static List<HealthCheck> checks(PullThroughCache cache) {
        List<HealthCheck> out = new ArrayList<>();
        for (UpstreamSettings u : cache.settings().upstreams()) {
            java.util.concurrent.atomic.AtomicBoolean reached = new java.util.concurrent.atomic.AtomicBoolean();
            out.add(Checks.check("proxy_upstream_" + u.name(), Duration.ofSeconds(10), 1, () -> {
                if (!reached.get()) {
                    try {
                        cache.ping(u);
                    } catch (java.io.IOException e) {
                        if (!cache.holdsRepositoriesOf(u)) {
                            throw e;
                        }
                    }
                    reached.set(true);
                }
            }));
        }
        return out;
    }
}
