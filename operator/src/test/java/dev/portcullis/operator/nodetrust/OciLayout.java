package dev.portcullis.operator.nodetrust;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;

/** A one-layer image for the host's platform in an OCI layout folder, for skopeo to push. */
final class OciLayout {
  private OciLayout() {}

  static Path write(Path dir, String tag) throws Exception {
    Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
    byte[] tar = tar("hello.txt", "pulled through node trust\n".getBytes(StandardCharsets.UTF_8));
    var gz = new ByteArrayOutputStream();
    try (var out = new GZIPOutputStream(gz)) {
      out.write(tar);
    }
    byte[] layer = gz.toByteArray();
    String layerDigest = blob(blobs, layer);
    String arch = switch (System.getProperty("os.arch")) {
      case "aarch64" -> "arm64";
      case "x86_64", "amd64" -> "amd64";
      default -> System.getProperty("os.arch");
    };
    byte[] config = ("{\"architecture\":\"" + arch + "\",\"os\":\"linux\",\"config\":{},"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" + sha256(tar) + "\"]}}")
        .getBytes(StandardCharsets.UTF_8);
    String configDigest = blob(blobs, config);
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":"
        + "\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":"
        + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
        + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":"
        + "\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + layerDigest
        + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
    String manifestDigest = blob(blobs, manifest);
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{"
        + "\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
        + manifestDigest + "\",\"size\":" + manifest.length
        + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + tag + "\"}}]}");
    return dir;
  }

  private static String blob(Path blobs, byte[] content) throws Exception {
    String hex = sha256(content);
    Files.write(blobs.resolve(hex), content);
    return "sha256:" + hex;
  }

  static String sha256(byte[] content) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
  }

  /** A ustar archive holding one regular file. */
  static byte[] tar(String name, byte[] content) {
    byte[] header = new byte[512];
    put(header, 0, name);
    put(header, 100, "0000644");
    put(header, 108, "0000000");
    put(header, 116, "0000000");
    put(header, 124, String.format("%011o", content.length));
    put(header, 136, String.format("%011o", 1700000000L));
    for (int i = 148; i < 156; i++) {
      header[i] = ' ';
    }
    header[156] = '0';
    put(header, 257, "ustar");
    put(header, 263, "00");
    long sum = 0;
    for (byte b : header) {
      sum += b & 0xff;
    }
    put(header, 148, String.format("%06o", sum));
    header[154] = 0;
    header[155] = ' ';
    int padded = (content.length + 511) / 512 * 512;
    byte[] out = new byte[512 + padded + 1024];
    System.arraycopy(header, 0, out, 0, 512);
    System.arraycopy(content, 0, out, 512, content.length);
    return out;
  }

  private static void put(byte[] header, int offset, String value) {
    byte[] b = value.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, header, offset, b.length);
  }
}
