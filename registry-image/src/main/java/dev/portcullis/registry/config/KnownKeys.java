package dev.portcullis.registry.config;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The keys of Distribution's configuration, and ours, so that a typo is reported, with the key probably meant,
 * instead of silently ignored. Keep the patterns to escaped dots, {@code (a|b)} groups and {@code .+}: the
 * suggestions are spelled out from them ({@link SpelledOutKeys}).
 * Keys Distribution has but Portcullis does not act on get their own warning: an existing config still runs.
 */
final class KnownKeys {
    private static final List<Pattern> SUPPORTED = patterns(
            "version",
            "log\\.(level|formatter|accesslog\\.disabled)", "log\\.fields(\\..+)?", "loglevel",
            // A bare "filesystem: {}" is Distribution's filesystem driver with its default root, /var/lib/registry.
            "storage\\.filesystem", "storage\\.filesystem\\.(rootdirectory|maxthreads)", "storage\\.inmemory",
            "storage\\.s3\\..+",
            // Checked key by key where it is read (dev.portcullis.registry.storage.azure.AzureSettings): a typo is an error.
            "storage\\.azure\\..+",
            "storage\\.delete\\.enabled", "storage\\.redirect\\.disable",
            "storage\\.maintenance\\.uploadpurging\\.(enabled|age|interval|dryrun)",
            "storage\\.maintenance\\.readonly\\.enabled",
            "storage\\.maintenance\\.gc\\.(enabled|interval|grace|deleteuntagged|dryrun)",
            "storage\\.cache\\..+", "storage\\.tag\\..+",
            "auth\\.htpasswd\\.(realm|path|cachettl|pullonly)",
            "auth\\.token\\.(realm|service|issuer|rootcertbundle|jwks|signingalgorithms|autoredirect|autoredirectpath|maxlifetime|signers)",
            "auth\\.anonymous\\.(pull|repositories)",
            "http\\.(addr|net|prefix|host|secret|relativeurls|draintimeout|insecure|eventloops)",
            "http\\.tls\\.(certificate|key|clientcas|clientauth|minimumtls|ciphersuites|pullonly)",
            "http\\.body\\.(idletimeout|minrate|maxconcurrent|maxperclient)",
            "http\\.debug\\.addr", "http\\.debug\\.prometheus\\.(enabled|path)",
            "http\\.headers(\\..+)?", "http\\.http2\\.disabled", "http\\.h2c\\.enabled", "http\\.warmup\\.disabled",
            "health\\.storagedriver\\.(enabled|interval|threshold)",
            "health\\.(file|http|tcp)",
            "catalog\\.maxentries",
            // Checked key by key where it is read (dev.portcullis.registry.proxy.ProxySettings): a typo is an error.
            "proxy(\\..+)?",
            // The endpoints are a list, validated entry by entry by NotificationSettings.
            "notifications(\\.events)?", "notifications\\.endpoints", "notifications\\.events\\.includereferences",
            "validation\\..+", "compatibility\\..+");

    private static final List<Pattern> IGNORED = patterns(
            "redis(\\..+)?", "http\\.tls\\.letsencrypt(\\..+)?",
            "log\\.hooks(\\..+)?", "middleware(\\..+)?", "reporting(\\..+)?", "policy(\\..+)?");

    /**
     * Distribution's other storage drivers: not ignored but refused as a whole (RegistryConfigLoader stops with
     * "driver 'gcs' is not supported"), so their parameters get no line of their own saying they are ignored.
     */
    private static final List<Pattern> REFUSED_WHOLE = patterns("storage\\.(gcs|swift|oss|cos)(\\..+)?");

    private KnownKeys() {}

    /** Every key the supported patterns spell out in full, for suggestions. */
    private static final List<String> SPELLED_OUT = SUPPORTED.stream()
            .flatMap(p -> SpelledOutKeys.of(p.pattern()).stream()).distinct().toList();

    /**
     * A warning for {@code key}, or empty when it is a key we read. {@code variable} is the {@code REGISTRY_*}
     * variable that set it, if one did: the typo is then in the variable's name, and so is the suggestion.
     */
    static Optional<String> check(String key, Optional<String> variable) {
        if (matches(SUPPORTED, key) || matches(REFUSED_WHOLE, key)) {
            return Optional.empty();
        }
        if (matches(IGNORED, key)) {
            return Optional.of("config key " + key + " is Distribution's but not supported by Portcullis; ignored");
        }
        Optional<String> suggestion = KeySuggestion.closest(key, SPELLED_OUT)
                .map(k -> variable.isPresent() ? "REGISTRY_" + k.toUpperCase(Locale.ROOT).replace('.', '_') : k);
        return Optional.of("unknown key " + key + variable.map(v -> " from " + v).orElse("")
                + suggestion.map(s -> " (did you mean " + s + "?)").orElse("") + "; ignored");
    }

    /** Whether a {@link #check} line is about an unknown key, which goes first when the configuration fails. */
    static boolean isUnknownKey(String line) {
        return line.startsWith("unknown key ");
    }

    private static boolean matches(List<Pattern> patterns, String key) {
        for (Pattern p : patterns) {
            if (p.matcher(key).matches()) {
                return true;
            }
        }
        return false;
    }

    private static List<Pattern> patterns(String... regexes) {
        return java.util.Arrays.stream(regexes).map(Pattern::compile).toList();
    }
}
