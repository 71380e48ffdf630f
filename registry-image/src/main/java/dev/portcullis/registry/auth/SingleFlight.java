package dev.portcullis.registry.auth;

import io.vertx.core.Future;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Runs one computation per key at a time and gives its result to every caller that asks for the same key meanwhile:
 * a burst of identical logins (every node of a cluster pulling with the same robot account) costs one password check,
 * and takes one attempt of the login throttle, not one per request.
 */
final class SingleFlight<V> {
    private final Map<String, Future<V>> running = new ConcurrentHashMap<>();

    Future<V> run(String key, Supplier<Future<V>> computation) {
        boolean[] started = {false};
        Future<V> shared = running.computeIfAbsent(key, k -> {
            started[0] = true;
            return computation.get();
        });
        if (started[0]) {
            shared.onComplete(done -> running.remove(key, shared));
        }
        return shared;
    }

    int running() {
        return running.size();
    }
}
