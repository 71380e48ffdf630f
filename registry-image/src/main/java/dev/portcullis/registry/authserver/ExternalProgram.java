package dev.portcullis.registry.authserver;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;

/**
 * Runs one external program the way docker_auth's {@code ext_auth}/{@code ext_authz} do (argv, input on stdin, exit
 * status and stdout read back), with the limits docker_auth lacks: no shell, an empty environment, a timeout after
 * which the program and its descendants are killed, and stdout/stderr capped at {@link #MAX_OUTPUT} bytes.
 */
final class ExternalProgram {
    static final int MAX_OUTPUT = 64 * 1024;

    /** How a run ended. {@code exitCode} is meaningful only for {@link Exited}. */
    sealed interface Outcome permits Exited, Failed {
    }

    /** stdout is whole (never cut at the cap); stderr is at most {@link #MAX_OUTPUT} bytes. */
    record Exited(int exitCode, byte[] stdout, byte[] stderr) implements Outcome {
    }

    /** It could not run, ran too long, or printed too much: {@code reason} is safe to log. */
    record Failed(String reason) implements Outcome {
    }

    private final ExternalProgramCommand settings;

    /** Use {@link ExternalProgramCommand#start()}, which checks the program exists. */
    ExternalProgram(ExternalProgramCommand settings) {
        this.settings = settings;
    }

    Outcome run(byte[] stdin) {
        ProcessBuilder pb = new ProcessBuilder(settings.argv());
        pb.environment().clear();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new Failed("cannot start " + settings.command() + ": " + e.getMessage());
        }
        Capture out = new Capture(p.getInputStream());
        Capture err = new Capture(p.getErrorStream());
        out.start();
        err.start();
        // Written by a thread of its own: a program that never reads a large input must not block us past the timeout.
        Thread feeder = new Thread(() -> {
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin);
            } catch (IOException e) {
                // The program exited or closed stdin without reading all of it: its exit status still decides.
            }
        }, "external-program-input");
        feeder.setDaemon(true);
        feeder.start();
        try {
            boolean exited = p.waitFor(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
            if (!exited) {
                killTree(p);
                return new Failed("did not finish within " + settings.timeout().toMillis() + " ms and was killed");
            }
            // A descendant that kept the pipes open is not waited for beyond the timeout either.
            out.join(settings.timeout().toMillis());
            err.join(settings.timeout().toMillis());
            if (out.isAlive() || err.isAlive()) {
                killTree(p);
                return new Failed("left a process holding its output open; killed");
            }
        } catch (InterruptedException e) {
            killTree(p);
            Thread.currentThread().interrupt();
            return new Failed("interrupted");
        }
        if (out.overflowed) {
            return new Failed("printed more than " + MAX_OUTPUT + " bytes on stdout");
        }
        return new Exited(p.exitValue(), out.bytes(), err.bytes());
    }

    /** For a log line: how a program ended that answered neither 0, 1 nor 2. */
    static String describe(int exitCode) {
        // The JDK reports death by signal N as 128 + N, as shells do.
        return exitCode > 128 && exitCode < 160 ? "was killed by signal " + (exitCode - 128) : "exited with status " + exitCode;
    }

    private static void killTree(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    /** Drains one stream, keeping the first {@link #MAX_OUTPUT} bytes (the rest is read and dropped, so the program never blocks on a full pipe). */
    private static final class Capture extends Thread {
        private final InputStream stream;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private volatile boolean overflowed;

        Capture(InputStream stream) {
            this.stream = stream;
            setDaemon(true);
            setName("external-program-output");
        }

        @Override
        public void run() {
            byte[] buf = new byte[8192];
            try (stream) {
                int n;
                while ((n = stream.read(buf)) >= 0) {
                    int room = MAX_OUTPUT - kept.size();
                    if (n > room) {
                        overflowed = true;
                    }
                    kept.write(buf, 0, Math.max(0, Math.min(n, room)));
                }
            } catch (IOException e) {
                // The process was killed: what was read so far is all there is.
            }
        }

        byte[] bytes() {
            return kept.toByteArray();
        }
    }
}
