package dev.portcullis.testimage;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Writes an OCI image layout of random layers, for push and pull tests: each layer a tar holding one file of random
 * bytes, gzip-compressed as in real images (or plain), and the manifest tagged {@code latest} in index.json, so skopeo
 * reads it as {@code oci:DIR:latest}. The same arguments give the same bytes and digests on every machine
 * ({@link Random} is specified to the bit, and every timestamp is 0).
 *
 * <p>Both modules compile this file into their tests, and {@code registry-image/bench/compare.sh} runs it as a
 * single-file program ({@code java RandomImageLayout.java DIR LAYERS MB [SEED] [--plain]}), so it uses the JDK only.
 */
public final class RandomImageLayout {
    static final String USAGE = "usage: java RandomImageLayout.java DIR LAYERS MB_PER_LAYER [SEED] [--plain]";
    private static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";
    private static final String CONFIG_TYPE = "application/vnd.oci.image.config.v1+json";
    private static final int BLOCK = 512;
    // A multiple of 4, so that Random.nextBytes draws the same sequence whatever the chunking.
    private static final int CHUNK = 64 * 1024;

    private RandomImageLayout() {}

    /**
     * Writes the layout into {@code dir} (created if missing) and returns the manifest's digest.
     *
     * @param gzip true for {@code tar+gzip} layers, false for plain {@code tar}
     */
    public static String write(Path dir, int layers, double mbPerLayer, long seed, boolean gzip) throws IOException {
        if (layers < 1 || mbPerLayer < 0) {
            throw new IllegalArgumentException("need at least one layer and a size of 0 MB or more, got " + layers
                    + " layers of " + mbPerLayer + " MB");
        }
        Path blobs = Files.createDirectories(dir.resolve("blobs").resolve("sha256"));
        Random random = new Random(seed);
        long payload = (long) (mbPerLayer * 1024 * 1024);
        List<String> descriptors = new ArrayList<>();
        List<String> diffIds = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            Path tmp = Files.createTempFile(blobs, "layer", ".partial");
            MessageDigest compressed = sha256();
            MessageDigest uncompressed = sha256();
            try (OutputStream file = Files.newOutputStream(tmp);
                    OutputStream counted = new DigestingStream(file, compressed)) {
                OutputStream body = gzip ? new FastGzip(counted) : counted;
                try (OutputStream tar = new DigestingStream(body, uncompressed)) {
                    writeTar(tar, "layer" + i + ".bin", payload, random);
                }
            }
            // digest() resets the MessageDigest: read each once.
            String hex = hex(compressed);
            String digest = "sha256:" + hex;
            long size = Files.size(tmp);
            Files.move(tmp, blobs.resolve(hex), StandardCopyOption.REPLACE_EXISTING);
            diffIds.add(quote("sha256:" + hex(uncompressed)));
            String media = "application/vnd.oci.image.layer.v1.tar" + (gzip ? "+gzip" : "");
            descriptors.add(descriptor(media, digest, size, ""));
        }
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + String.join(",", diffIds) + "]}}")
                .getBytes(StandardCharsets.UTF_8);
        String configDigest = blob(blobs, config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":" + quote(MANIFEST_TYPE) + ",\"config\":"
                + descriptor(CONFIG_TYPE, configDigest, config.length, "") + ",\"layers\":["
                + String.join(",", descriptors) + "]}").getBytes(StandardCharsets.UTF_8);
        String manifestDigest = blob(blobs, manifest);
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":["
                + descriptor(MANIFEST_TYPE, manifestDigest, manifest.length,
                        ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"latest\"}") + "]}");
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        return manifestDigest;
    }

    /** One ustar entry (a regular file owned by 0:0, mode 0644, mtime 0) and the archive's end. */
    private static void writeTar(OutputStream out, String name, long size, Random random) throws IOException {
        byte[] header = new byte[BLOCK];
        put(header, 0, name);
        put(header, 100, "0000644");
        put(header, 108, "0000000");
        put(header, 116, "0000000");
        put(header, 124, String.format("%011o", size));
        put(header, 136, "00000000000");
        header[156] = '0';
        put(header, 257, "ustar");
        put(header, 263, "00");
        // The checksum is computed with its own field read as eight spaces.
        for (int i = 148; i < 156; i++) {
            header[i] = ' ';
        }
        int sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        put(header, 148, String.format("%06o", sum));
        header[155] = ' ';
        out.write(header);
        byte[] chunk = new byte[CHUNK];
        for (long left = size; left > 0; left -= chunk.length) {
            int n = (int) Math.min(left, chunk.length);
            random.nextBytes(chunk);
            out.write(chunk, 0, n);
        }
        out.write(new byte[(int) ((BLOCK - size % BLOCK) % BLOCK) + 2 * BLOCK]);
    }

    private static void put(byte[] header, int at, String field) {
        byte[] b = field.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, header, at, b.length);
    }

    private static String blob(Path blobs, byte[] data) throws IOException {
        MessageDigest d = sha256();
        d.update(data);
        String hex = hex(d);
        Files.write(blobs.resolve(hex), data);
        return "sha256:" + hex;
    }

    private static String descriptor(String mediaType, String digest, long size, String extra) {
        return "{\"mediaType\":" + quote(mediaType) + ",\"digest\":" + quote(digest) + ",\"size\":" + size + extra + "}";
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String hex(MessageDigest d) {
        return HexFormat.of().formatHex(d.digest());
    }

    /** Level 1: the payload is random, so a higher level only costs time. */
    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(OutputStream out) throws IOException {
            super(out, CHUNK);
            def.setLevel(Deflater.BEST_SPEED);
        }
    }

    /** Digests what passes through; unlike java.security.DigestOutputStream its bulk write stays one call. */
    private static final class DigestingStream extends FilterOutputStream {
        private final MessageDigest digest;

        DigestingStream(OutputStream out, MessageDigest digest) {
            super(out);
            this.digest = digest;
        }

        @Override
        public void write(int b) throws IOException {
            digest.update((byte) b);
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            digest.update(b, off, len);
            out.write(b, off, len);
        }
    }

    /** Prints the manifest digest; bad arguments or a failed write: one line on stderr and a non-zero exit. */
    public static void main(String[] args) {
        List<String> positional = new ArrayList<>();
        boolean gzip = true;
        for (String a : args) {
            if (a.equals("--plain")) {
                gzip = false;
            } else {
                positional.add(a);
            }
        }
        if (positional.size() < 3 || positional.size() > 4) {
            System.err.println(USAGE);
            System.exit(2);
        }
        try {
            long seed = positional.size() > 3 ? Long.parseLong(positional.get(3)) : 1;
            System.out.println(write(Path.of(positional.get(0)), Integer.parseInt(positional.get(1)),
                    Double.parseDouble(positional.get(2)), seed, gzip));
        } catch (IllegalArgumentException e) {
            System.err.println("RandomImageLayout: " + e.getMessage() + " (" + USAGE + ")");
            System.exit(2);
        } catch (IOException e) {
            System.err.println("RandomImageLayout: cannot write " + positional.get(0) + ": " + e);
            System.exit(1);
        }
    }
}
