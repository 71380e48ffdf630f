package dev.portcullis.registry.storage.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.config.ConfigTree;
import dev.portcullis.registry.config.RegistryConfigLoader;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code storage.s3} as Distribution documents it: its keys, defaults and one-line errors that name the key. */
class S3SettingsTest {
    private static Map<String, Object> base() {
        Map<String, Object> m = new HashMap<>();
        m.put("region", "eu-west-1");
        m.put("bucket", "images");
        return m;
    }

    private static String problem(Map<String, Object> params) {
        return assertThrows(ConfigException.class, () -> S3Settings.from(params, false)).getMessage();
    }

    @Test
    void distributionsDefaults() {
        S3Settings s = S3Settings.from(base(), false);
        assertEquals(10L * 1024 * 1024, s.chunkSize());
        assertEquals(32L * 1024 * 1024, s.multipartCopyThresholdSize());
        assertEquals(32L * 1024 * 1024, s.multipartCopyChunkSize());
        assertEquals(Optional.empty(), s.endpoint());
        assertFalse(s.forcePathStyle());
        assertEquals("docker/registry/v2/", s.v2Prefix());
        assertEquals(Optional.empty(), s.accessKey(), "no keys: the AWS default chain (AWS_ACCESS_KEY_ID, ...)");
    }

    @Test
    void everyDistributionKeyIsRead() {
        Map<String, Object> m = base();
        m.putAll(Map.of("accesskey", "AK", "secretkey", "SK", "regionendpoint", "minio.local:9000", "secure", "false",
                "forcepathstyle", "true", "rootdirectory", "/a/b/", "chunksize", "5242880",
                "multipartcopythresholdsize", 0, "storageclass", "reduced_redundancy", "v4auth", true));
        S3Settings s = S3Settings.from(m, true);
        assertEquals("http://minio.local:9000", s.endpoint().orElseThrow().toString());
        assertTrue(s.forcePathStyle());
        assertEquals("a/b/docker/registry/v2/", s.v2Prefix());
        assertEquals(5L * 1024 * 1024, s.chunkSize());
        assertEquals(0, s.multipartCopyThresholdSize());
        assertEquals(Optional.of("REDUCED_REDUNDANCY"), s.storageClass());
        assertTrue(s.redirectDisabled());
        assertEquals("https://s3.example:443", S3Settings.from(Map.of("bucket", "b", "regionendpoint",
                "s3.example:443"), false).endpoint().orElseThrow().toString());
    }

    @Test
    void errorsNameTheKey() {
        Map<String, Object> noBucket = base();
        noBucket.remove("bucket");
        assertEquals("storage.s3.bucket: missing", problem(noBucket));
        Map<String, Object> noRegion = base();
        noRegion.remove("region");
        assertEquals("storage.s3.region: missing", problem(noRegion));
        Map<String, Object> small = base();
        small.put("chunksize", 1024);
        assertTrue(problem(small).startsWith("storage.s3.chunksize: "));
        Map<String, Object> half = base();
        half.put("accesskey", "AK");
        assertTrue(problem(half).startsWith("storage.s3.secretkey: missing"));
        Map<String, Object> unknown = base();
        unknown.put("bukket", "x");
        assertEquals("storage.s3.bukket: unknown key", problem(unknown));
        Map<String, Object> notBool = base();
        notBool.put("secure", "maybe");
        assertTrue(problem(notBool).startsWith("storage.s3.secure: "));
    }

    @Test
    void secretsNeverShowInText() {
        Map<String, Object> m = base();
        m.put("accesskey", "AKIAEXAMPLE");
        m.put("secretkey", "wJalrXUtnFEMI-secret");
        String text = S3Settings.from(m, false).toString();
        assertFalse(text.contains("wJalrXUtnFEMI-secret") || text.contains("AKIAEXAMPLE"), text);
    }

    @Test
    void readFromConfigAndEnvironment() {
        var config = RegistryConfigLoader.fromTree(ConfigTree.parse("""
                version: 0.1
                storage:
                  s3:
                    region: us-east-1
                    bucket: from-file
                  redirect:
                    disable: true
                http:
                  addr: 127.0.0.1:0
                """, "test").withEnvironment(Map.of("REGISTRY_STORAGE_S3_BUCKET", "from-env")));
        S3Settings s = S3Settings.from(config.storage().parameters(), config.storage().redirectDisabled());
        assertEquals("from-env", s.bucket());
        assertTrue(s.redirectDisabled());
    }
}
