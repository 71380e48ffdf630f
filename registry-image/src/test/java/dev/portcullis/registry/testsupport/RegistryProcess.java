package dev.portcullis.registry.testsupport;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The registry as its own JVM, started the way the image starts it ({@code Main serve CONFIG}), for what a test cannot
 * do in-process: a small heap, a kill -9, a SIGTERM, the exit code and the output of the command line.
 */
public final class RegistryProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private RegistryProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    public static RegistryProcess start(Path workDir, List<String> jvmArgs, Map<String, String> env, String... args)
            throws IOException {
        Files.createDirectories(workDir);
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.portcullis.registry.Main");
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile(workDir, "registry", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("REGISTRY_"));
        pb.environment().putAll(env);
        return new RegistryProcess(pb.start(), log);
    }

    /** Runs the command line to completion; returns its exit code. */
    public int waitForExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("registry command did not exit within " + timeout + ": " + output());
        }
        return process.exitValue();
    }

    public void awaitListening(int port, Duration timeout) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IOException("registry exited with " + process.exitValue() + ": " + output());
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IOException("registry did not listen on " + port + " within " + timeout + ": " + output());
    }

    /** Waits until the output contains {@code text}, for what is printed after the port opens. */
    public String awaitOutput(String text, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!output().contains(text) && Instant.now().isBefore(deadline)) {
            Thread.sleep(50);
        }
        return output();
    }

    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: the crash a test of crash safety needs. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM, as Kubernetes stops a pod. */
    public int terminate(Duration timeout) throws InterruptedException {
        signalTerminate();
        return waitForExit(timeout);
    }

    /** SIGTERM without waiting for the exit: the test goes on talking to the registry while it stops. */
    public void signalTerminate() {
        process.destroy();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
