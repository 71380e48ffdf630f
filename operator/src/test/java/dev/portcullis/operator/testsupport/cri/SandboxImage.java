package dev.portcullis.operator.testsupport.cri;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The pod sandbox ("pause") image the CRI plugin starts first in every pod to hold its network
 * namespace. None can be pulled here, so it is made from Debian's busybox-static: one layer with
 * {@code /bin/busybox}, whose {@code sleep} holds the namespaces until the runtime kills it (the
 * CRI plugin stops a sandbox with SIGKILL, so a pid 1 that ignores SIGTERM is fine), written as an
 * OCI archive that {@code ctr images import} takes.
 */
public final class SandboxImage {

  /** The name the containerd config's {@code sandbox_image} gives. */
  public static final String REF = "localhost/portcullis-e2e/pause:busybox";
  static final Path BUSYBOX = Path.of("/bin/busybox");

  private SandboxImage() {}

  /** Writes the archive to {@code out}; fails naming the package when busybox-static is missing. */
  public static Path write(Path out) throws IOException {
    if (!Files.isRegularFile(BUSYBOX) || !isStatic(BUSYBOX)) {
      throw new IllegalStateException(BUSYBOX + " is missing or not static: the pod sandbox"
          + " image is made from it (apt-get install busybox-static)");
    }
    var layer = new ByteArrayOutputStream();
    var tar = new TarWriter(layer);
    tar.directory("bin/");
    tar.file("bin/busybox", 0755, Files.readAllBytes(BUSYBOX));
    tar.finish();
    byte[] layerBytes = layer.toByteArray();
    String layerDigest = sha256(layerBytes);
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Entrypoint\":"
        + "[\"/bin/busybox\",\"sleep\",\"2147483647\"],\"User\":\"65535\"},"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + layerDigest + "\"]}}")
        .getBytes(StandardCharsets.UTF_8);
    String configDigest = sha256(config);
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest"
        + ".v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
        + "\"digest\":\"" + configDigest + "\",\"size\":" + config.length + "},\"layers\":[{"
        + "\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + layerDigest
        + "\",\"size\":" + layerBytes.length + "}]}").getBytes(StandardCharsets.UTF_8);
    String manifestDigest = sha256(manifest);
    byte[] index = ("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci"
        + ".image.manifest.v1+json\",\"digest\":\"" + manifestDigest + "\",\"size\":"
        + manifest.length + ",\"annotations\":{\"io.containerd.image.name\":\"" + REF + "\","
        + "\"org.opencontainers.image.ref.name\":\"" + REF + "\"}}]}")
        .getBytes(StandardCharsets.UTF_8);
    var blobs = new LinkedHashMap<String, byte[]>();
    blobs.put(layerDigest, layerBytes);
    blobs.put(configDigest, config);
    blobs.put(manifestDigest, manifest);
    try (OutputStream archive = Files.newOutputStream(out)) {
      var outer = new TarWriter(archive);
      outer.file("oci-layout", 0644,
          "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
      outer.file("index.json", 0644, index);
      outer.directory("blobs/");
      outer.directory("blobs/sha256/");
      for (Map.Entry<String, byte[]> b : blobs.entrySet()) {
        outer.file("blobs/sha256/" + b.getKey().substring("sha256:".length()), 0644,
            b.getValue());
      }
      outer.finish();
    }
    return out;
  }

  private static boolean isStatic(Path file) throws IOException {
    // a dynamically linked ELF names its interpreter (PT_INTERP): "/lib64/ld-linux..." appears
    byte[] head = Files.readAllBytes(file);
    return !new String(head, 0, Math.min(head.length, 4096), StandardCharsets.ISO_8859_1)
        .contains("/lib64/ld-linux");
  }

  static String sha256(byte[] data) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A ustar writer for the few entries above (root-owned, time 0). */
  static final class TarWriter {
    private final OutputStream out;

    TarWriter(OutputStream out) {
      this.out = out;
    }

    void directory(String name) throws IOException {
      header(name, 0755, 0, '5');
    }

    void file(String name, int mode, byte[] content) throws IOException {
      header(name, mode, content.length, '0');
      out.write(content);
      int pad = (512 - content.length % 512) % 512;
      out.write(new byte[pad]);
    }

    void finish() throws IOException {
      out.write(new byte[1024]);
      out.flush();
    }

    private void header(String name, int mode, long size, char type) throws IOException {
      byte[] h = new byte[512];
      put(h, 0, 100, name);
      put(h, 100, 8, String.format("%07o", mode));
      put(h, 108, 8, "0000000");
      put(h, 116, 8, "0000000");
      put(h, 124, 12, String.format("%011o", size));
      put(h, 136, 12, "00000000000");
      java.util.Arrays.fill(h, 148, 156, (byte) ' ');
      h[156] = (byte) type;
      put(h, 257, 6, "ustar");
      put(h, 263, 2, "00");
      long sum = 0;
      for (byte b : h) {
        sum += b & 0xff;
      }
      put(h, 148, 8, String.format("%06o", sum));
      h[154] = 0;
      h[155] = ' ';
      out.write(h);
    }

    private static void put(byte[] h, int at, int len, String s) {
      byte[] b = s.getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(b, 0, h, at, Math.min(len, b.length));
    }
  }
}
