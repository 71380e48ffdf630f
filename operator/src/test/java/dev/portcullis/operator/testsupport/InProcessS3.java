package dev.portcullis.operator.testsupport;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * An S3-compatible service for the end-to-end test, as a platform team's MinIO would be: s3proxy
 * in the test JVM on 127.0.0.1, over jclouds' filesystem blobstore in a folder of the test, with
 * SigV4 credentials the test chooses. (registry-image's S3ProxyServer does the same for the
 * registry's own tests; the two modules share no test code.)
 */
public final class InProcessS3 implements AutoCloseable {

  private final BlobStoreContext context;
  private final S3Proxy proxy;
  private final int port;

  private InProcessS3(BlobStoreContext context, S3Proxy proxy, int port) {
    this.context = context;
    this.proxy = proxy;
    this.port = port;
  }

  public static InProcessS3 start(Path dir, String accessKey, String secretKey) throws Exception {
    Properties props = new Properties();
    props.setProperty("jclouds.filesystem.basedir",
        Files.createDirectories(dir.resolve("s3")).toString());
    BlobStoreContext context = ContextBuilder
        .newBuilder(new org.jclouds.filesystem.FilesystemApiMetadata())
        .credentials("identity", "credential").overrides(props).build(BlobStoreContext.class);
    int port = dev.portcullis.operator.testsupport.kubelet.Kubelet.freePort();
    S3Proxy proxy = S3Proxy.builder().blobStore(context.getBlobStore())
        .endpoint(URI.create("http://127.0.0.1:" + port))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
        .ignoreUnknownHeaders(true)
        .build();
    proxy.start();
    long deadline = System.currentTimeMillis() + 10_000;
    while (!"STARTED".equals(proxy.getState()) && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    return new InProcessS3(context, proxy, port);
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  public void createBucket(String name) {
    blobStore().createContainerInLocation(null, name);
  }

  public BlobStore blobStore() {
    return context.getBlobStore();
  }

  @Override
  public void close() throws Exception {
    proxy.stop();
    context.close();
  }
}
