package dev.portcullis.registry.nodeagent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.config.ConfigException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** Merging our providers into the kubelet's CredentialProviderConfig, which other providers share. */
class KubeletProviderConfigTest {
    /** A node image's own provider, which the agent must keep. */
    static final String ECR = """
            # the node image's own provider
            apiVersion: kubelet.config.k8s.io/v1
            kind: CredentialProviderConfig
            providers:
              - name: ecr-credential-provider
                matchImages: ["*.dkr.ecr.*.amazonaws.com"]
                defaultCacheDuration: 12h
                apiVersion: credentialprovider.kubelet.k8s.io/v1
            """;
    private static final KubeletProviderConfig.Provider SHOP = new KubeletProviderConfig.Provider(
            "portcullis-credential-provider.shop.registry", List.of("registry.shop.svc:5000", "registry.example.com"),
            "https://registry.example.com");

    @Test
    void oursIsAddedBesideOthersWhichStayAsTheyWere() {
        String merged = KubeletProviderConfig.merge(ECR, List.of(SHOP), Set.of()).orElseThrow();
        List<Map<String, Object>> providers = providers(merged);
        assertEquals(2, providers.size());
        assertEquals(providers(ECR).get(0), providers.get(0));
        Map<String, Object> ours = providers.get(1);
        assertEquals("portcullis-credential-provider.shop.registry", ours.get("name"));
        assertEquals(List.of("registry.shop.svc:5000", "registry.example.com"), ours.get("matchImages"));
        assertEquals("credentialprovider.kubelet.k8s.io/v1", ours.get("apiVersion"));
        assertEquals(List.of("--registry", "registry.shop.svc:5000", "--registry", "registry.example.com"),
                ours.get("args"));
        assertEquals(Map.of("serviceAccountTokenAudience", "https://registry.example.com", "requireServiceAccount",
                true, "cacheType", "Token"), ours.get("tokenAttributes"));
        assertEquals("kubelet.config.k8s.io/v1", root(merged).get("apiVersion"));
    }

    @Test
    void anUnchangedFileKeepsItsTextAndComments() {
        String merged = KubeletProviderConfig.merge(ECR, List.of(SHOP), Set.of()).orElseThrow();
        assertEquals(Optional.of(merged), KubeletProviderConfig.merge(merged, List.of(SHOP), Set.of()));
        assertEquals(Optional.of(ECR), KubeletProviderConfig.merge(ECR, List.of(), Set.of()));
    }

    @Test
    void oursIsUpdatedInPlaceAndRemovedWhenNoRegistryNeedsIt() {
        String first = KubeletProviderConfig.merge(ECR, List.of(SHOP), Set.of()).orElseThrow();
        var moved = new KubeletProviderConfig.Provider(SHOP.name(), List.of("registry.example.com"), "https://other");
        String second = KubeletProviderConfig.merge(first, List.of(moved), Set.of()).orElseThrow();
        assertEquals(List.of("registry.example.com"), providers(second).get(1).get("matchImages"));
        assertEquals("https://other", ((Map<?, ?>) providers(second).get(1).get("tokenAttributes"))
                .get("serviceAccountTokenAudience"));

        String removed = KubeletProviderConfig.merge(second, List.of(), Set.of()).orElseThrow();
        assertEquals(providers(ECR), providers(removed));
    }

    @Test
    void aProviderOfAnEntrySkippedThisPassIsKeptAsItWas() {
        String first = KubeletProviderConfig.merge(ECR, List.of(SHOP), Set.of()).orElseThrow();
        String kept = KubeletProviderConfig.merge(first, List.of(), Set.of(SHOP.name())).orElseThrow();
        assertEquals(first, kept);
    }

    @Test
    void aFileOfOursAloneGoesWithItsLastProvider() {
        String ours = KubeletProviderConfig.merge(null, List.of(SHOP), Set.of()).orElseThrow();
        assertEquals(1, providers(ours).size());
        assertEquals(Optional.empty(), KubeletProviderConfig.merge(ours, List.of(), Set.of()));
        assertEquals(Optional.empty(), KubeletProviderConfig.merge(null, List.of(), Set.of()));
    }

    @Test
    void aJsonFileStaysJson() {
        String json = """
                {"apiVersion": "kubelet.config.k8s.io/v1", "kind": "CredentialProviderConfig",
                 "providers": [{"name": "gcp", "matchImages": ["*.gcr.io"], "defaultCacheDuration": "1m",
                                "apiVersion": "credentialprovider.kubelet.k8s.io/v1"}]}
                """;
        String merged = KubeletProviderConfig.merge(json, List.of(SHOP), Set.of()).orElseThrow();
        assertTrue(merged.startsWith("{"), merged);
        assertEquals("gcp", providers(merged).get(0).get("name"));
        assertEquals(SHOP.name(), providers(merged).get(1).get("name"));
    }

    @Test
    void aFileTheAgentCannotReadIsRefusedInOneLine() {
        for (var bad : Map.of(
                "providers: [unclosed", "not YAML or JSON",
                "- a list", "not a CredentialProviderConfig mapping",
                "apiVersion: kubelet.config.k8s.io/v1\nkind: KubeletConfiguration\n", "kind 'KubeletConfiguration'",
                "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: CredentialProviderConfig\nproviders: []\n",
                "need kubelet.config.k8s.io/v1",
                "apiVersion: kubelet.config.k8s.io/v1\nkind: CredentialProviderConfig\nproviders: {a: 1}\n",
                "providers is not a list",
                "apiVersion: kubelet.config.k8s.io/v1\nkind: CredentialProviderConfig\nproviders: [{matchImages: []}]\n",
                "not a mapping with a name").entrySet()) {
            var e = assertThrows(ConfigException.class,
                    () -> KubeletProviderConfig.merge(bad.getKey(), List.of(SHOP), Set.of()), bad.getKey());
            assertTrue(e.getMessage().contains(bad.getValue()), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }

    private static Map<String, Object> root(String text) {
        return new Yaml().load(text);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> providers(String text) {
        return (List<Map<String, Object>>) root(text).get("providers");
    }
}
