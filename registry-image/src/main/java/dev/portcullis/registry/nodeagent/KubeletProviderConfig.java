package dev.portcullis.registry.nodeagent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.portcullis.registry.config.ConfigException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The kubelet's {@code CredentialProviderConfig} ({@code --image-credential-provider-config}) with the node's
 * Portcullis providers merged in. The file is shared: a cloud's own provider (ECR, GCR, ACR) may be in it, so only
 * the providers named {@value #NAME_PREFIX}* are ours to add, update and remove; every other provider, and every other
 * field, stays as it was. A file that is not a CredentialProviderConfig the agent can read is never overwritten.
 */
final class KubeletProviderConfig {
    static final String API_VERSION = "kubelet.config.k8s.io/v1";
    static final String NAME_PREFIX = "portcullis-credential-provider.";
    static final String PROVIDER_API_VERSION = "credentialprovider.kubelet.k8s.io/v1";

    /**
     * One provider of ours: {@code name} is its executable's file name in the kubelet's bin dir, {@code matchImages}
     * the registry's hosts, {@code audience} the ServiceAccount token audience the kubelet requests for it (KEP-4412).
     */
    record Provider(String name, List<String> hosts, String audience) {
        Map<String, Object> toMap() {
            var m = new LinkedHashMap<String, Object>();
            m.put("name", name);
            m.put("matchImages", hosts);
            // Used only when an answer has no cacheDuration: ours always has one.
            m.put("defaultCacheDuration", "5m");
            m.put("apiVersion", PROVIDER_API_VERSION);
            var args = new ArrayList<String>();
            hosts.forEach(h -> {
                args.add("--registry");
                args.add(h);
            });
            m.put("args", args);
            var token = new LinkedHashMap<String, Object>();
            token.put("serviceAccountTokenAudience", audience);
            token.put("requireServiceAccount", true);
            // The credential is the pod's own token, bound to that pod: never share it with another pod.
            token.put("cacheType", "Token");
            m.put("tokenAttributes", token);
            return m;
        }
    }

    private KubeletProviderConfig() {}

    /**
     * The file's new content: {@code existing} (null when there is no file) with {@code ours} as our providers, the
     * ones named in {@code kept} left as they are, and any other of ours removed. Empty when no file is wanted (none
     * of ours and nobody else's). The same text as {@code existing} when nothing changed, so its comments and layout
     * stay. A JSON file is written back as JSON, anything else as YAML.
     *
     * @throws ConfigException one line saying what is wrong with {@code existing}
     */
    static Optional<String> merge(String existing, List<Provider> ours, Set<String> kept) {
        Map<String, Object> root = existing == null || existing.isBlank() ? null : parse(existing);
        if (root == null) {
            if (ours.isEmpty()) {
                return Optional.ofNullable(existing);
            }
            root = new LinkedHashMap<>();
            root.put("apiVersion", API_VERSION);
            root.put("kind", "CredentialProviderConfig");
        }
        @SuppressWarnings("unchecked")
        List<Object> before = root.get("providers") == null ? List.of() : (List<Object>) root.get("providers");
        var byName = new LinkedHashMap<String, Provider>();
        ours.stream().sorted(Comparator.comparing(Provider::name)).forEach(p -> byName.put(p.name(), p));
        var after = new ArrayList<Object>();
        for (Object item : before) {
            String name = String.valueOf(((Map<?, ?>) item).get("name"));
            if (!name.startsWith(NAME_PREFIX) || kept.contains(name)) {
                after.add(item);
            } else if (byName.containsKey(name)) {
                after.add(byName.remove(name).toMap());
            }
        }
        byName.values().forEach(p -> after.add(p.toMap()));
        if (after.equals(before) && existing != null) {
            return Optional.of(existing);
        }
        if (after.isEmpty()) {
            // The kubelet refuses a config with no provider: the file was ours alone, and goes.
            return Optional.empty();
        }
        var merged = new LinkedHashMap<>(root);
        merged.put("providers", after);
        return Optional.of(existing != null && existing.stripLeading().startsWith("{") ? json(merged) : yaml(merged));
    }

    private static Map<String, Object> parse(String text) {
        Object root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        } catch (YAMLException e) {
            throw new ConfigException("not YAML or JSON; fix or remove it");
        }
        if (!(root instanceof Map<?, ?> m)) {
            throw new ConfigException("not a CredentialProviderConfig mapping; fix or remove it");
        }
        if (!"CredentialProviderConfig".equals(m.get("kind"))) {
            throw new ConfigException("kind '" + m.get("kind") + "' is not CredentialProviderConfig");
        }
        if (!API_VERSION.equals(m.get("apiVersion"))) {
            throw new ConfigException("apiVersion '" + m.get("apiVersion") + "': service-account tokens for "
                    + "credential providers (tokenAttributes) need " + API_VERSION + "; change it there");
        }
        Object providers = m.get("providers");
        if (providers != null && !(providers instanceof List<?>)) {
            throw new ConfigException("providers is not a list");
        }
        if (providers != null) {
            for (Object p : (List<?>) providers) {
                if (!(p instanceof Map<?, ?> pm) || !(pm.get("name") instanceof String)) {
                    throw new ConfigException("providers: an entry is not a mapping with a name");
                }
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> typed = (Map<String, Object>) m;
        return typed;
    }

    private static String yaml(Map<String, Object> root) {
        var options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(2);
        return "# Providers named " + NAME_PREFIX + "* are the Portcullis node agent's; the others are kept.\n"
                + new Yaml(options).dump(root);
    }

    private static String json(Map<String, Object> root) {
        try {
            return JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build().writeValueAsString(root)
                    + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
