package dev.portcullis.registry.credentialprovider;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The plugin run as the kubelet runs it: its own JVM ({@code Main credential-provider ARGS}), the request on stdin,
 * the response read from stdout and stderr kept apart.
 */
public final class PluginProcess {
    public record Result(int exitCode, String stdout, String stderr) {
    }

    private PluginProcess() {
    }

    public static Result run(Path workDir, String stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
                "dev.portcullis.registry.Main", "credential-provider"));
        cmd.addAll(List.of(args));
        Files.createDirectories(workDir);
        Path out = Files.createTempFile(workDir, "plugin", ".out");
        Path err = Files.createTempFile(workDir, "plugin", ".err");
        Process p = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("credential-provider did not exit within 60s: " + Files.readString(err));
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** A recorded request file from src/test/resources/credentialprovider. */
    public static String recorded(String name) throws IOException {
        try (var in = PluginProcess.class.getResourceAsStream("/credentialprovider/" + name)) {
            if (in == null) {
                throw new IOException("no recorded request " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The recorded request with its image and token replaced, as the kubelet would send it for this pull now. */
    public static String recordedFor(String name, String image, String token) throws IOException {
        var json = new io.vertx.core.json.JsonObject(recorded(name));
        json.put("image", image);
        if (token != null) {
            json.put("serviceAccountToken", token);
        }
        return json.encodePrettily();
    }
}
