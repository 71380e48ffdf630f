package dev.portcullis.registry.testsupport;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3 API for tests: s3proxy in this JVM on 127.0.0.1, over jclouds' filesystem blobstore in a folder the test
 * owns, with fixed SigV4 credentials. It can be stopped and started again on the same port with the same content, for
 * the fault tests.
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String ACCESS_KEY = "portcullis-test";
    public static final String SECRET_KEY = "portcullis-test-secret-0123456789";
    public static final String REGION = "us-east-1";

    private final BlobStoreContext context;
    private final int port;
    private S3Proxy proxy;

    private S3ProxyServer(BlobStoreContext context, int port) {
        this.context = context;
        this.port = port;
    }

    /** Starts on a free port with its content under {@code dir}. */
    public static S3ProxyServer start(Path dir) throws Exception {
        Path base = dir.resolve("s3");
        Files.createDirectories(base);
        Properties props = new Properties();
        props.setProperty("jclouds.filesystem.basedir", base.toString());
        BlobStoreContext context = ContextBuilder.newBuilder(new org.jclouds.filesystem.FilesystemApiMetadata())
                .credentials("identity", "credential")
                .overrides(props)
                .build(BlobStoreContext.class);
        S3ProxyServer server = new S3ProxyServer(context, freePort());
        server.startProxy();
        return server;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** (Re)starts the HTTP side on the same port; the content is the blobstore's and survives a stop. */
    public synchronized void startProxy() throws Exception {
        if (proxy != null) {
            return;
        }
        S3Proxy p = S3Proxy.builder()
                .blobStore(context.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .ignoreUnknownHeaders(true)
                .build();
        Exception last = null;
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                p.start();
                last = null;
                break;
            } catch (Exception e) {
                // The port may linger for a moment after a stop.
                last = e;
                Thread.sleep(100);
            }
        }
        if (last != null) {
            throw last;
        }
        long deadline = System.currentTimeMillis() + 10_000;
        while (!"STARTED".equals(p.getState()) && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        proxy = p;
    }

    /** Stops answering: connections are refused until {@link #startProxy()}. */
    public synchronized void stopProxy() throws Exception {
        if (proxy != null) {
            proxy.stop();
            proxy = null;
        }
    }

    /** A new, empty bucket. */
    public String createBucket() {
        String name = "b-" + UUID.randomUUID().toString().substring(0, 13);
        blobStore().createContainerInLocation(null, name);
        return name;
    }

    public BlobStore blobStore() {
        return context.getBlobStore();
    }

    public int port() {
        return port;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** The {@code storage.s3} parameters for {@code bucket}, as Distribution names them. */
    public Map<String, Object> storageParameters(String bucket) {
        return Map.of("accesskey", ACCESS_KEY, "secretkey", SECRET_KEY, "region", REGION, "regionendpoint", endpoint(),
                "forcepathstyle", true, "bucket", bucket, "secure", false, "chunksize", 5 * 1024 * 1024);
    }

    /** A {@code storage:} YAML section (indented for the top level) for {@code bucket}. */
    public String storageYaml(String bucket, boolean withCredentials, boolean redirect) {
        return """
                storage:
                  s3:
                %s    region: %s
                    regionendpoint: %s
                    forcepathstyle: true
                    secure: false
                    bucket: %s
                    rootdirectory: /registry
                    chunksize: 5242880
                  delete:
                    enabled: true
                  redirect:
                    disable: %s
                """.formatted(withCredentials ? "    accesskey: " + ACCESS_KEY + "\n    secretkey: " + SECRET_KEY + "\n" : "",
                REGION, endpoint(), bucket, !redirect);
    }

    /** The environment a registry process needs for the AWS default credentials chain. */
    public static Map<String, String> credentialEnvironment() {
        return Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET_KEY, "AWS_REGION", REGION);
    }

    @Override
    public void close() throws Exception {
        stopProxy();
        context.close();
    }
}
