package dev.portcullis.registry.storage.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.config.ConfigTree;
import dev.portcullis.registry.config.RegistryConfig;
import dev.portcullis.registry.config.RegistryConfigLoader;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code storage.azure} with Distribution 3's keys, its overrides from the environment, and one-line errors. */
class AzureSettingsTest {
    private static final String KEY = "c2VjcmV0LWtleS1mb3ItdGVzdHM=";

    private static Map<String, Object> base() {
        Map<String, Object> m = new HashMap<>();
        m.put("accountname", "myaccount");
        m.put("accountkey", KEY);
        m.put("container", "registry");
        return m;
    }

    private static String problem(Map<String, Object> params) {
        return assertThrows(ConfigException.class, () -> AzureSettings.from(params, false)).getMessage();
    }

    @Test
    void distributionsDefaults() {
        AzureSettings s = AzureSettings.from(base(), false);
        assertEquals("https://myaccount.blob.core.windows.net", s.serviceUrl().toString());
        assertEquals("", s.blobPrefix());
        assertEquals(new AzureSettings.Credentials.SharedKey(KEY), s.credentials());
        assertEquals(5, s.copyStatusPollMaxRetry());
        assertEquals(Duration.ofMillis(100), s.copyStatusPollDelay());
        assertEquals("azure storage account myaccount, container registry", s.location());
    }

    @Test
    void everyDistributionKeyIsRead() {
        Map<String, Object> m = base();
        m.putAll(Map.of("realm", "core.chinacloudapi.cn", "rootdirectory", "/a/b/", "copy_status_poll_max_retry", 9,
                "copy_status_poll_delay", "250ms"));
        AzureSettings s = AzureSettings.from(m, true);
        assertEquals("https://myaccount.blob.core.chinacloudapi.cn", s.serviceUrl().toString());
        assertEquals("a/b/", s.blobPrefix());
        assertEquals(9, s.copyStatusPollMaxRetry());
        assertEquals(Duration.ofMillis(250), s.copyStatusPollDelay());
        assertTrue(s.redirectDisabled());
        m.put("serviceurl", "http://127.0.0.1:10000/myaccount/");
        assertEquals("http://127.0.0.1:10000/myaccount", AzureSettings.from(m, false).serviceUrl().toString());
    }

    @Test
    void credentialTypes() {
        Map<String, Object> m = base();
        m.remove("accountkey");
        m.put("credentials", Map.of("type", "client_secret", "tenantid", "t", "clientid", "c", "secret", "s3cr3t"));
        assertEquals(new AzureSettings.Credentials.ClientSecret("t", "c", "s3cr3t"),
                AzureSettings.from(m, false).credentials());
        m.put("credentials", Map.of("type", "workload_identity"));
        assertEquals(new AzureSettings.Credentials.WorkloadIdentity(Optional.empty(), Optional.empty()),
                AzureSettings.from(m, false).credentials());
        m.put("credentials", Map.of("type", "default_credentials"));
        assertInstanceOf(AzureSettings.Credentials.DefaultChain.class, AzureSettings.from(m, false).credentials());
    }

    @Test
    void errorsNameTheKey() {
        Map<String, Object> m = base();
        m.remove("container");
        assertEquals("storage.azure.container: missing: the blob container", problem(m));
        m = base();
        m.remove("accountkey");
        assertTrue(problem(m).startsWith("storage.azure.accountkey: missing"), problem(m));
        m = base();
        m.put("container", "Bad_Name");
        assertTrue(problem(m).startsWith("storage.azure.container: 'Bad_Name' is not a container name"), problem(m));
        m = base();
        m.put("serviceurl", "ftp://x");
        assertTrue(problem(m).startsWith("storage.azure.serviceurl:"), problem(m));
        m = base();
        m.put("credentials", Map.of("type", "workload_identity"));
        assertEquals("storage.azure.accountkey: is set together with credentials.type workload_identity: remove one"
                + " of them", problem(m));
        m = base();
        m.put("credentials", Map.of("type", "certificate"));
        assertTrue(problem(m).startsWith("storage.azure.credentials.type: 'certificate' is not one of"), problem(m));
        m = base();
        m.remove("accountkey");
        m.put("credentials", Map.of("type", "client_secret", "tenantid", "t", "clientid", "c"));
        assertEquals("storage.azure.credentials.secret: missing: the client secret", problem(m));
        m = base();
        m.put("copy_status_poll_delay", "soon");
        assertTrue(problem(m).startsWith("storage.azure.copy_status_poll_delay:"), problem(m));
    }

    @Test
    void aMisspelledKeyIsNamedWithTheKeyMeant() {
        Map<String, Object> m = base();
        m.put("acountkey", "x");
        assertEquals("storage.azure.acountkey: unknown key (did you mean storage.azure.accountkey?)", problem(m));
        m = base();
        m.put("credentials", Map.of("type", "client_secret", "tenant", "t"));
        assertEquals("storage.azure.credentials.tenant: unknown key (did you mean storage.azure.credentials.tenantid?)",
                problem(m));
    }

    @Test
    void noSecretInTheDescription() {
        Map<String, Object> m = base();
        String text = AzureSettings.from(m, false).toString();
        assertFalse(text.contains(KEY), text);
        m.remove("accountkey");
        m.put("credentials", Map.of("type", "client_secret", "tenantid", "t", "clientid", "c", "secret", "s3cr3t"));
        text = AzureSettings.from(m, false).toString();
        assertFalse(text.contains("s3cr3t"), text);
    }

    @Test
    void workloadIdentityWithoutThePodsIdentityIsOneLineAtStart() {
        // This JVM has no AZURE_FEDERATED_TOKEN_FILE: as a pod whose service account was not set up for it.
        Map<String, Object> m = base();
        m.remove("accountkey");
        m.put("credentials", Map.of("type", "workload_identity"));
        AzureSettings settings = AzureSettings.from(m, false);
        String problem = assertThrows(ConfigException.class, () -> new AzureDriver(settings)).getMessage();
        assertTrue(problem.startsWith("storage.azure.credentials.type: workload_identity needs AZURE_CLIENT_ID,"
                + " AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE"), problem);
        assertEquals(1, problem.lines().count(), problem);
    }

    @Test
    void environmentOverridesAsDistributionReadsThem() {
        RegistryConfig config = RegistryConfigLoader.fromTree(ConfigTree.parse("""
                version: 0.1
                storage:
                  azure:
                    accountname: myaccount
                    container: registry
                """, "config.yml").withEnvironment(Map.of("REGISTRY_STORAGE_AZURE_ACCOUNTKEY", KEY,
                "REGISTRY_STORAGE_AZURE_ROOTDIRECTORY", "/portcullis")));
        assertEquals("azure", config.storage().driver());
        assertEquals(List.of(), config.warnings());
        AzureSettings s = AzureSettings.from(config.storage().parameters(), config.storage().redirectDisabled());
        assertEquals(new AzureSettings.Credentials.SharedKey(KEY), s.credentials());
        assertEquals("portcullis/", s.blobPrefix());

        RegistryConfig identity = RegistryConfigLoader.fromTree(ConfigTree.parse("version: 0.1\nstorage:\n"
                + "  filesystem: {rootdirectory: /x}\n", "config.yml").withEnvironment(Map.of(
                "REGISTRY_STORAGE", "azure", "REGISTRY_STORAGE_AZURE_ACCOUNTNAME", "myaccount",
                "REGISTRY_STORAGE_AZURE_CONTAINER", "registry", "REGISTRY_STORAGE_AZURE_CREDENTIALS_TYPE",
                "workload_identity")));
        assertEquals("azure", identity.storage().driver());
        assertInstanceOf(AzureSettings.Credentials.WorkloadIdentity.class,
                AzureSettings.from(identity.storage().parameters(), false).credentials());
    }
}
