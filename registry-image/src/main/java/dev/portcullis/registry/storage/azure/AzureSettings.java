package dev.portcullis.registry.storage.azure;

import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.config.GoDuration;
import java.net.URI;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code storage.azure} parameters, with the names of CNCF Distribution 3's Azure driver. Credentials are the
 * account key ({@code accountkey}, Distribution's default), or, with {@code credentials.type}, a service principal
 * ({@code client_secret}), Kubernetes workload identity ({@code workload_identity}) or azure-identity's default chain
 * ({@code default_credentials}: environment, workload identity, managed identity, Azure CLI). {@link #toString()}
 * never shows a secret.
 */
public record AzureSettings(String accountName, String container, URI serviceUrl, String rootDirectory,
                            Credentials credentials, int copyStatusPollMaxRetry, Duration copyStatusPollDelay,
                            boolean redirectDisabled) {

    /** How the driver proves who it is. */
    public sealed interface Credentials {
        /** {@code accountkey}: Shared Key signing; redirects are service SAS URLs signed with the key. */
        record SharedKey(String accountKey) implements Credentials {
            @Override
            public String toString() {
                return "SharedKey[accountKey=(secret)]";
            }
        }

        /** {@code credentials.type: client_secret}: an Entra ID service principal. */
        record ClientSecret(String tenantId, String clientId, String secret) implements Credentials {
            @Override
            public String toString() {
                return "ClientSecret[tenantId=" + tenantId + ", clientId=" + clientId + ", secret=(secret)]";
            }
        }

        /** {@code credentials.type: workload_identity}: the AKS-injected {@code AZURE_*} variables and token file. */
        record WorkloadIdentity(Optional<String> clientId, Optional<String> tenantId) implements Credentials {}

        /** {@code credentials.type: default_credentials}: azure-identity's DefaultAzureCredential. */
        record DefaultChain() implements Credentials {}
    }

    static final String PREFIX = "storage.azure.";
    private static final Set<String> KNOWN = Set.of("accountname", "accountkey", "container", "serviceurl", "realm",
            "rootdirectory", "credentials", "copy_status_poll_max_retry", "copy_status_poll_delay");
    private static final Set<String> CREDENTIAL_KEYS = Set.of("type", "clientid", "tenantid", "secret");
    /** Azure's rule for container names: 3 to 63 of lowercase letters, digits and single dashes, no edge dash. */
    private static final Pattern CONTAINER = Pattern.compile("[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]");
    private static final Pattern ACCOUNT = Pattern.compile("[a-z0-9]{3,24}");

    public static AzureSettings from(Map<String, Object> params, boolean redirectDisabled) {
        Map<String, Object> p = lowerCased(params, PREFIX, KNOWN);
        String account = string(p, "accountname").orElseThrow(() -> missing("accountname", "the storage account's name"));
        if (!ACCOUNT.matcher(account).matches()) {
            throw new ConfigException(PREFIX + "accountname", "'" + account + "' is not a storage account name (3 to 24"
                    + " lowercase letters and digits)");
        }
        String container = string(p, "container").orElseThrow(() -> missing("container", "the blob container"));
        if (!CONTAINER.matcher(container).matches()) {
            throw new ConfigException(PREFIX + "container", "'" + container + "' is not a container name (3 to 63"
                    + " lowercase letters, digits and single dashes, starting and ending with a letter or digit)");
        }
        String realm = string(p, "realm").orElse("core.windows.net");
        URI serviceUrl = string(p, "serviceurl").map(AzureSettings::serviceUrl)
                .orElseGet(() -> URI.create("https://" + account + ".blob." + realm));
        String root = string(p, "rootdirectory").orElse("").replaceAll("^/+|/+$", "");
        if (root.contains("//") || root.contains("..") || !root.matches("[A-Za-z0-9._/-]*")) {
            throw new ConfigException(PREFIX + "rootdirectory", "must be a plain path of letters, digits, . _ - and /");
        }
        int pollRetries = integer(p, "copy_status_poll_max_retry", 5);
        Duration pollDelay = string(p, "copy_status_poll_delay").map(d -> GoDuration.parse(PREFIX + "copy_status_poll_delay", d))
                .orElse(Duration.ofMillis(100));
        return new AzureSettings(account, container, serviceUrl, root, credentials(p), pollRetries, pollDelay,
                redirectDisabled);
    }

    private static Credentials credentials(Map<String, Object> p) {
        Optional<String> key = string(p, "accountkey");
        Map<String, Object> c = p.get("credentials") instanceof Map<?, ?> m
                ? lowerCased(castMap(m), PREFIX + "credentials.", CREDENTIAL_KEYS) : Map.of();
        if (p.containsKey("credentials") && !(p.get("credentials") instanceof Map<?, ?>)) {
            throw new ConfigException(PREFIX + "credentials", "must be a section with type (and clientid, tenantid, secret)");
        }
        String type = string(c, "type").map(t -> t.toLowerCase(Locale.ROOT)).orElse("shared_key");
        Credentials chosen = switch (type) {
            case "shared_key" -> new Credentials.SharedKey(key.orElseThrow(() -> missing("accountkey",
                    "the account key, or credentials.type: workload_identity, client_secret or default_credentials")));
            case "client_secret" -> new Credentials.ClientSecret(
                    string(c, "tenantid").orElseThrow(() -> missing("credentials.tenantid", "the Entra ID tenant")),
                    string(c, "clientid").orElseThrow(() -> missing("credentials.clientid", "the application (client) id")),
                    string(c, "secret").orElseThrow(() -> missing("credentials.secret", "the client secret")));
            case "workload_identity" -> new Credentials.WorkloadIdentity(string(c, "clientid"), string(c, "tenantid"));
            case "default_credentials" -> new Credentials.DefaultChain();
            default -> throw new ConfigException(PREFIX + "credentials.type", "'" + type + "' is not one of shared_key,"
                    + " client_secret, workload_identity, default_credentials");
        };
        if (key.isPresent() && !(chosen instanceof Credentials.SharedKey)) {
            throw new ConfigException(PREFIX + "accountkey", "is set together with credentials.type " + type
                    + ": remove one of them");
        }
        if (!(chosen instanceof Credentials.ClientSecret) && string(c, "secret").isPresent()) {
            throw new ConfigException(PREFIX + "credentials.secret", "is only read with credentials.type: client_secret");
        }
        return chosen;
    }

    /** The blob-name prefix of {@code /} (empty, or the root directory and a slash). */
    public String blobPrefix() {
        return rootDirectory.isEmpty() ? "" : rootDirectory + "/";
    }

    /** What the readiness line and every storage error name: where the registry's data lives. */
    public String location() {
        return "azure storage account " + accountName + ", container " + container;
    }

    private static URI serviceUrl(String raw) {
        try {
            URI uri = URI.create(raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw);
            if (uri.getHost() == null || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
                throw new IllegalArgumentException("an http(s) URL with a host is needed");
            }
            if (uri.getQuery() != null) {
                throw new IllegalArgumentException("a SAS token or other query does not belong here");
            }
            return uri;
        } catch (IllegalArgumentException bad) {
            throw new ConfigException(PREFIX + "serviceurl", "'" + raw.replaceAll("\\?.*", "?...") + "' is not usable: "
                    + bad.getMessage());
        }
    }

    /** The keys lower-cased; an unknown one is an error naming the closest known key. */
    private static Map<String, Object> lowerCased(Map<String, Object> params, String prefix, Set<String> known) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : params.entrySet()) {
            String k = e.getKey().toLowerCase(Locale.ROOT);
            if (!known.contains(k)) {
                String closest = known.stream().min(Comparator.comparingInt(candidate -> distance(k, candidate)))
                        .orElseThrow();
                throw new ConfigException(prefix + e.getKey(), "unknown key" + (distance(k, closest) <= 3
                        ? " (did you mean " + prefix + closest + "?)" : "; known: " + String.join(", ", known.stream()
                        .sorted().toList())));
            }
            out.put(k, e.getValue());
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }

    /** Levenshtein distance: how far a typo is from a key. */
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1], prev[j]) + 1, prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static ConfigException missing(String key, String what) {
        return new ConfigException(PREFIX + key, "missing: " + what);
    }

    private static Optional<String> string(Map<String, Object> p, String key) {
        Object v = p.get(key);
        return v == null || v instanceof Map<?, ?> ? Optional.empty()
                : Optional.of(String.valueOf(v).trim()).filter(s -> !s.isEmpty());
    }

    private static int integer(Map<String, Object> p, String key, int dflt) {
        Object v = p.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            int n = v instanceof Number num ? num.intValue() : Integer.parseInt(String.valueOf(v).trim());
            if (n < -1 || n > 1000) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException(PREFIX + key, "'" + v + "' is not a number of retries (-1 to 1000)");
        }
    }

    @Override
    public String toString() {
        return "AzureSettings[account=" + accountName + ", container=" + container + ", serviceUrl=" + serviceUrl
                + ", rootDirectory=" + rootDirectory + ", credentials=" + credentials + "]";
    }
}
