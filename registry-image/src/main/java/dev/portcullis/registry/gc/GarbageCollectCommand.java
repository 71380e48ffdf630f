package dev.portcullis.registry.gc;

import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.config.RegistryConfig;
import dev.portcullis.registry.config.RegistryConfigLoader;
import dev.portcullis.registry.server.RegistryServer;
import dev.portcullis.registry.storage.RegistryStorage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code garbage-collect CONFIG.yml [--dry-run] [--delete-untagged]}, as Distribution's command has it
 * ({@code -d}/{@code -m} too), with the online collector's safety: it may run against a registry's storage while that
 * registry serves (the operator's CronJob mounts the same volume). The grace period is
 * {@code storage.maintenance.gc.grace} (default 1h). Prints one line per deleted (or, dry, eligible) manifest and
 * blob, then a summary. Exit codes: 0 done, 1 storage failure or another collector running, 2 bad usage or config.
 */
public final class GarbageCollectCommand {
    static final String USAGE = "usage: portcullis-registry garbage-collect CONFIG.yml [--dry-run|-d] [--delete-untagged|-m]";

    private GarbageCollectCommand() {}

    public static int run(List<String> args, Map<String, String> env) {
        return run(args, env, System.out, System.err);
    }

    static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        Path config = null;
        boolean dryRun = false;
        boolean deleteUntagged = false;
        for (String a : args) {
            switch (a) {
                case "--dry-run", "-d", "--dry-run=true" -> dryRun = true;
                case "--delete-untagged", "-m", "--delete-untagged=true" -> deleteUntagged = true;
                case "--dry-run=false", "--delete-untagged=false" -> { }
                default -> {
                    if (a.startsWith("-") || config != null) {
                        err.println("portcullis-registry garbage-collect: unexpected argument '" + a + "'");
                        err.println(USAGE);
                        return 2;
                    }
                    config = Path.of(a);
                }
            }
        }
        if (config == null) {
            err.println("portcullis-registry garbage-collect: the config file is missing");
            err.println(USAGE);
            return 2;
        }
        if (!Files.isRegularFile(config)) {
            err.println("portcullis-registry garbage-collect: config file " + config + " not found");
            return 2;
        }
        try {
            RegistryConfig loaded = RegistryConfigLoader.load(config, env);
            GcSettings settings = loaded.gc();
            RegistryStorage storage = RegistryServer.openStorage(loaded);
            GarbageCollector collector = new GarbageCollector(storage,
                    new GarbageCollector.Options(settings.grace(), deleteUntagged, dryRun), out::println);
            Optional<GcResult> result = collector.run();
            if (result.isEmpty()) {
                err.println("portcullis-registry garbage-collect: another garbage collection holds this storage's lock;"
                        + " try again later");
                return 1;
            }
            out.println(result.get().line());
            return 0;
        } catch (ConfigException e) {
            e.problems().forEach(p -> err.println("portcullis-registry garbage-collect: config error: " + p));
            return 2;
        } catch (IOException | RuntimeException e) {
            err.println("portcullis-registry garbage-collect: failed: " + e);
            return 1;
        }
    }
}
