package dev.portcullis.registry.storage.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.portcullis.registry.testsupport.S3ProxyServer;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * What the lease lock relies on, checked on the test S3: a PUT with {@code If-None-Match: *} fails on an existing key
 * and a PUT with a stale {@code If-Match} fails, with 412, as on AWS S3 since 2024.
 */
class S3ProxyConditionalWritesTest {
    @TempDir
    Path dir;

    @Test
    void conditionalPutsAreHonoured() throws Exception {
        try (S3ProxyServer s3 = S3ProxyServer.start(dir);
             S3Client c = S3Client.builder().region(Region.US_EAST_1).endpointOverride(URI.create(s3.endpoint()))
                     .forcePathStyle(true).requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                     .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                             S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY))).build()) {
            String b = s3.createBucket();
            String etag = c.putObject(r -> r.bucket(b).key("k").ifNoneMatch("*"), RequestBody.fromString("a")).eTag();
            S3Exception exists = assertThrows(S3Exception.class,
                    () -> c.putObject(r -> r.bucket(b).key("k").ifNoneMatch("*"), RequestBody.fromString("b")));
            assertEquals(412, exists.statusCode());
            S3Exception stale = assertThrows(S3Exception.class,
                    () -> c.putObject(r -> r.bucket(b).key("k").ifMatch("\"0123\""), RequestBody.fromString("c")));
            assertEquals(412, stale.statusCode());
            c.putObject(r -> r.bucket(b).key("k").ifMatch(etag), RequestBody.fromString("d"));
            assertEquals("d", c.getObjectAsBytes(r -> r.bucket(b).key("k")).asUtf8String());
        }
    }
}
