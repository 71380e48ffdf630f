package dev.portcullis.operator.testsupport.clients;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Copied from registry-image's test harness (dev.portcullis.registry.clients.Exec), which the
 * operator module cannot see; keep the two in step.
 *
 * Runs one client command to completion with a timeout. Output (stdout and stderr merged, so the failure message
 * shows them in the order the client wrote them) goes to a file, not a pipe, so a chatty client can never block on a
 * full pipe. Secrets (passwords, user:pass pairs) are replaced by *** in every message this class builds.
 */
public final class Exec {
    private Exec() {}

    /** What a finished command left: its exit code and its merged output. */
    public record Result(List<String> command, int exitCode, String output, Set<String> secrets) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** The command line with secrets masked: safe for logs and assertion messages. */
        public String commandLine() {
            return redact(String.join(" ", command), secrets);
        }

        public String describe() {
            return "`" + commandLine() + "` exited " + exitCode + ":\n" + redact(output, secrets);
        }

        /** Returns this result if the command succeeded, else throws with the command line and its output. */
        public Result orThrow() {
            if (!ok()) {
                throw new AssertionError(describe());
            }
            return this;
        }
    }

    public static Result run(List<String> command, Duration timeout, Set<String> secrets, Consumer<Map<String, String>> env) {
        return run(command, timeout, secrets, env, null);
    }

    /**
     * Runs {@code command}; {@code env} may edit the inherited environment. If {@code stdoutFile} is given, stdout
     * goes there (for binary output) and only stderr is captured. Standard input is closed at once, so a client that
     * would prompt (ctr --user without a password) fails instead of hanging.
     */
    public static Result run(List<String> command, Duration timeout, Set<String> secrets,
                             Consumer<Map<String, String>> env, Path stdoutFile) {
        Path log = null;
        try {
            log = Files.createTempFile("exec-", ".log");
            ProcessBuilder pb = new ProcessBuilder(command);
            env.accept(pb.environment());
            if (stdoutFile == null) {
                pb.redirectErrorStream(true).redirectOutput(log.toFile());
            } else {
                pb.redirectOutput(stdoutFile.toFile()).redirectError(log.toFile());
            }
            Process p = pb.start();
            p.getOutputStream().close();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                killTree(p);
                String out = Files.readString(log, StandardCharsets.UTF_8);
                throw new AssertionError("timed out after " + timeout + ": `"
                        + redact(String.join(" ", command), secrets) + "`\n" + redact(out, secrets));
            }
            return new Result(List.copyOf(command), p.exitValue(), Files.readString(log, StandardCharsets.UTF_8), secrets);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + redact(String.join(" ", command), secrets), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            if (log != null) {
                try {
                    Files.deleteIfExists(log);
                } catch (IOException ignored) {
                    // a leftover temp log is harmless
                }
            }
        }
    }

    /** Kills a process and everything it started (skopeo and ctr may fork helpers). */
    public static void killTree(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static String redact(String text, Set<String> secrets) {
        List<String> sorted = new ArrayList<>(secrets);
        sorted.sort((a, b) -> b.length() - a.length()); // user:pass before pass
        String out = text;
        for (String s : sorted) {
            if (s != null && !s.isEmpty()) {
                out = out.replace(s, "***");
            }
        }
        return out;
    }
}
