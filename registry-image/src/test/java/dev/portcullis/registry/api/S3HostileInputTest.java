package dev.portcullis.registry.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.S3ProxyServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jclouds.blobstore.options.ListContainerOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;

/** The hostile-input tests on the S3 driver: every key written stays under the configured root directory. */
class S3HostileInputTest extends HostileInputTest {
    @TempDir
    static Path s3dir;
    private S3ProxyServer s3;
    private String bucket;

    @Override
    protected RunningRegistry startRegistry(Path dir) throws Exception {
        s3 = S3ProxyServer.start(s3dir);
        bucket = s3.createBucket();
        return RunningRegistry.startS3(dir, s3, bucket, false, "");
    }

    @Override
    protected void assertStorageClean() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.toList().isEmpty(), "the S3 driver writes no local files");
        }
        List<String> keys = new ArrayList<>();
        s3.blobStore().list(bucket, ListContainerOptions.Builder.recursive()).forEach(m -> keys.add(m.getName()));
        for (String key : keys) {
            if ("registry/docker/registry/v2/".startsWith(key)) {
                continue; // the blobstore's folder entries on the way to the root
            }
            assertTrue(key.startsWith("registry/docker/registry/v2/"), "key outside the root: " + key);
            assertFalse(key.contains("/../") || key.contains("/./"), "traversal in key: " + key);
        }
    }

    @AfterAll
    void stopS3() throws Exception {
        if (s3 != null) {
            s3.close();
        }
    }
}
