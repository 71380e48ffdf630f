package dev.portcullis.registry.testsupport;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * CNCF Distribution (Debian's {@code docker-registry}) started on 127.0.0.1 with a config of the test's choosing.
 * Tests use it as the reference implementation: what passes against it and against Portcullis is what clients expect.
 */
public final class DistributionProcess implements AutoCloseable {
    public static final String BINARY = "/usr/bin/docker-registry";

    private final Process process;
    private final int port;
    private final Path log;

    private DistributionProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    public static boolean installed() {
        return Files.isExecutable(Path.of(BINARY));
    }

    /**
     * Starts Distribution with {@code configYaml}, in which the literal {@code ${PORT}} and {@code ${ROOT}} are replaced
     * by a free port and a fresh storage folder under {@code workDir}.
     */
    public static DistributionProcess start(Path workDir, String configYaml) throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        int port = freePort();
        Path root = Files.createDirectories(workDir.resolve("storage"));
        Path config = workDir.resolve("config.yml");
        Files.writeString(config, configYaml.replace("${PORT}", Integer.toString(port)).replace("${ROOT}", root.toString()));
        Path log = workDir.resolve("distribution.log");
        ProcessBuilder pb = new ProcessBuilder(BINARY, "serve", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        // A CA bundle meant for other tools makes Distribution's S3 driver panic at startup; its tests talk plain HTTP.
        pb.environment().remove("AWS_CA_BUNDLE");
        Process p = pb.start();
        DistributionProcess d = new DistributionProcess(p, port, log);
        d.awaitListening(Duration.ofSeconds(20));
        return d;
    }

    /** A plain-HTTP Distribution on loopback with filesystem storage and delete enabled. */
    public static DistributionProcess startPlain(Path workDir) throws IOException, InterruptedException {
        return start(workDir, """
                version: 0.1
                log:
                  level: warn
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: ${ROOT}
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:${PORT}
                """);
    }

    public int port() {
        return port;
    }

    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    public Path log() {
        return log;
    }

    private void awaitListening(Duration timeout) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IOException("docker-registry exited: " + Files.readString(log));
            }
            try (var s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IOException("docker-registry did not listen on " + port + " within " + timeout);
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
