package dev.portcullis.registry.config;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The keys of Distribution's configuration, and ours, so that a typo is reported instead of silently ignored.
 * Keys Distribution has but Portcullis does not act on get their own warning: an existing config still runs.
 */
final class KnownKeys {
    private static final List<Pattern> SUPPORTED = patterns(
            "version",
            "log\\.(level|formatter|accesslog\\.disabled)", "log\\.fields(\\..+)?", "loglevel",
            "storage\\.filesystem\\.(rootdirectory|maxthreads)", "storage\\.inmemory",
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
            "http\\.headers(\\..+)?", "http\\.http2\\.disabled", "http\\.warmup\\.disabled",
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
            "log\\.hooks(\\..+)?", "middleware(\\..+)?", "reporting(\\..+)?", "policy(\\..+)?",
            "storage\\.(gcs|swift|oss|cos)(\\..+)?");

    private KnownKeys() {}

    /** A warning for {@code key}, or empty when it is a key we read. */
    static Optional<String> check(String key) {
        if (matches(SUPPORTED, key)) {
            return Optional.empty();
        }
        if (matches(IGNORED, key)) {
            return Optional.of("config key " + key + " is Distribution's but not supported by Portcullis; ignored");
        }
        return Optional.of("unknown config key " + key + "; ignored");
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
