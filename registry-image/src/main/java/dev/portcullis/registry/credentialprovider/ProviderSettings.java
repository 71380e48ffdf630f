package dev.portcullis.registry.credentialprovider;

import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.config.GoDuration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The plugin's command line, parsed once: the registry hosts it answers for (the kubelet's {@code matchImages} filters
 * first; this is the plugin's own guard against a too-broad pattern handing tokens to another registry), the Basic
 * user name to send (the issuer ignores it: the TokenReview says who the token is), and the longest the kubelet may
 * cache an answer.
 */
record ProviderSettings(List<String> registries, String username, Duration maxCacheDuration, boolean anonymousWithoutToken) {
    static final String DEFAULT_USERNAME = "serviceaccount";
    static final Duration DEFAULT_MAX_CACHE = Duration.ofMinutes(5);

    static ProviderSettings parse(List<String> args) throws RefusedRequest {
        List<String> registries = new ArrayList<>();
        String username = DEFAULT_USERNAME;
        Duration maxCache = DEFAULT_MAX_CACHE;
        boolean anonymous = false;
        for (int i = 0; i < args.size(); i++) {
            String flag = args.get(i);
            switch (flag) {
                case "--registry" -> registries.add(host(value(args, ++i, flag)));
                case "--username" -> {
                    username = value(args, ++i, flag);
                    if (username.isEmpty() || username.contains(":")) {
                        throw RefusedRequest.usage("--username must be non-empty and contain no ':' (it is sent as Basic credentials)");
                    }
                }
                case "--max-cache-duration" -> {
                    String text = value(args, ++i, flag);
                    try {
                        maxCache = GoDuration.parse(flag, text);
                    } catch (ConfigException | IllegalArgumentException e) {
                        throw RefusedRequest.usage("--max-cache-duration: '" + text + "' is not a duration (use e.g. 90s, 5m)");
                    }
                    if (maxCache.isNegative()) {
                        throw RefusedRequest.usage("--max-cache-duration must not be negative");
                    }
                }
                case "--anonymous-without-token" -> anonymous = true;
                default -> throw RefusedRequest.usage("unknown argument '" + flag + "'");
            }
        }
        if (registries.isEmpty()) {
            throw RefusedRequest.usage("at least one --registry HOST[:PORT] is required");
        }
        return new ProviderSettings(List.copyOf(registries), username, maxCache, anonymous);
    }

    private static String value(List<String> args, int i, String flag) throws RefusedRequest {
        if (i >= args.size()) {
            throw RefusedRequest.usage(flag + " needs a value");
        }
        return args.get(i);
    }

    private static String host(String registry) throws RefusedRequest {
        String h = registry.toLowerCase(Locale.ROOT);
        if (h.isEmpty() || h.contains("/") || h.contains("*")) {
            throw RefusedRequest.usage("--registry '" + registry + "': a host or host:port, without scheme, path or wildcard");
        }
        return h;
    }
}
