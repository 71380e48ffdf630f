package dev.portcullis.registry.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Azure Blob Storage API for tests: Azurite, Microsoft's emulator (the npm package {@code azurite}, installed
 * by {@code .ci/run}), blob service only, on a free loopback port with its data in a folder the test owns. The
 * account is not Azurite's well-known one but made per run (name and random key), so that a test with a wrong key
 * is really refused.
 *
 * <p>Without {@code azurite-blob} on the PATH a test skips, naming the npm package; with {@code CI=true} it fails, so a
 * green CI never hides a machine without the emulator.
 */
public final class AzuriteServer implements AutoCloseable {
    public static final String ACCOUNT = "portcullistest";

    private final Path binary;
    private final Path location;
    private final String key;
    private final int port;
    private final Path log;
    private Process process;

    private AzuriteServer(Path binary, Path location, String key, int port, Path log) {
        this.binary = binary;
        this.location = location;
        this.key = key;
        this.port = port;
        this.log = log;
    }

    /** Starts Azurite with its data under {@code dir}, or skips/fails the current test as described above. */
    public static AzuriteServer start(Path dir) throws IOException, InterruptedException {
        Path binary = require();
        Path location = Files.createDirectories(dir.resolve("azurite"));
        byte[] keyBytes = new byte[64];
        new SecureRandom().nextBytes(keyBytes);
        AzuriteServer server = new AzuriteServer(binary, location, Base64.getEncoder().encodeToString(keyBytes),
                DistributionProcess.freePort(), location.resolve("azurite.log"));
        server.startProcess();
        return server;
    }

    /** The installed {@code azurite-blob}, if any: {@code AZURITE_BLOB}, else the PATH. */
    public static Optional<Path> installed() {
        String explicit = System.getenv("AZURITE_BLOB");
        if (explicit != null && !explicit.isBlank()) {
            return Optional.of(Path.of(explicit)).filter(Files::isExecutable);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "azurite-blob");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static Path require() {
        Optional<Path> binary = installed();
        if (binary.isPresent()) {
            return binary.get();
        }
        String why = "azurite-blob is not on the PATH: npm install -g azurite@3.37.0 (Node.js 20)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(why + " (CI=true, so this is a failure, not a skip)");
        }
        Assumptions.abort(why);
        throw new AssertionError("unreachable");
    }

    /** (Re)starts the emulator on the same port over the same data. */
    public synchronized void startProcess() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            return;
        }
        ProcessBuilder pb = new ProcessBuilder(binary.toString(),
                "--blobHost", "127.0.0.1", "--blobPort", Integer.toString(port),
                "--location", location.toString(),
                // The SDK may speak a newer service version than this Azurite release knows.
                "--skipApiVersionCheck",
                // This machine has no way out: telemetry would only wait on a closed network.
                "--disableTelemetry",
                "--silent")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("AZURITE_ACCOUNTS", ACCOUNT + ":" + key);
        process = pb.start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IOException("azurite exited with " + process.exitValue() + ": " + output());
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IOException("azurite did not listen on " + port + " within 60s: " + output());
    }

    /** Stops answering: connections are refused until {@link #startProcess()}. */
    public synchronized void stopProcess() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        process = null;
    }

    public String accountName() {
        return ACCOUNT;
    }

    public String accountKey() {
        return key;
    }

    public int port() {
        return port;
    }

    /** The blob service URL, path-style as Azurite serves it (the account is the first path segment). */
    public String serviceUrl() {
        return "http://127.0.0.1:" + port + "/" + ACCOUNT;
    }

    /**
     * A new, empty container, made with the SDK as an administrator would: the driver never creates its container
     * (a typo in its name would otherwise start an empty registry).
     */
    public String createContainer() {
        String name = "c-" + UUID.randomUUID().toString().toLowerCase(Locale.ROOT).replace("-", "").substring(0, 20);
        new BlobServiceClientBuilder().endpoint(serviceUrl())
                .credential(new StorageSharedKeyCredential(ACCOUNT, key)).buildClient().createBlobContainer(name);
        return name;
    }

    /** The {@code storage.azure} parameters for {@code container}, as Distribution names them. */
    public Map<String, Object> storageParameters(String container) {
        return Map.of("accountname", ACCOUNT, "accountkey", key, "container", container, "serviceurl", serviceUrl());
    }

    /** A {@code storage:} YAML section (top level) for {@code container}, with or without the key in it. */
    public String storageYaml(String container, boolean withKey, boolean redirect) {
        return """
                storage:
                  azure:
                    accountname: %s
                %s    container: %s
                    serviceurl: %s
                    rootdirectory: /registry
                  delete:
                    enabled: true
                  redirect:
                    disable: %s
                """.formatted(ACCOUNT, withKey ? "    accountkey: " + key + "\n" : "", container, serviceUrl(), !redirect);
    }

    public String output() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopProcess();
    }
}
