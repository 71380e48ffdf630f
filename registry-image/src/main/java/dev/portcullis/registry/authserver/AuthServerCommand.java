package dev.portcullis.registry.authserver;

import dev.portcullis.registry.logging.LogSetup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code auth-server CONFIG.yml}: the Docker token issuer. Runs until the JVM is asked to stop. Configuration
 * mistakes print one line each naming the key, all of them at once, and exit non-zero, so a crash-looping pod says
 * what to fix.
 */
public final class AuthServerCommand {
    /** Exit code for a configuration problem (as opposed to 1, an unexpected failure). */
    public static final int EXIT_CONFIG = 2;

    private AuthServerCommand() {
    }

    public static int run(List<String> args) {
        if (!args.isEmpty() && args.get(0).equals(RevokePasswordsCommand.NAME)) {
            return RevokePasswordsCommand.run(args.subList(1, args.size()));
        }
        if (args.size() != 1 || args.get(0).startsWith("-")) {
            System.err.println("usage: auth-server CONFIG.yml");
            return EXIT_CONFIG;
        }
        AuthServer server;
        try {
            AuthServerConfig config = AuthServerConfig.load(Path.of(args.get(0)));
            LogSetup.apply(config.log());
            server = AuthServer.start(config);
        } catch (ConfigException e) {
            e.problems().forEach(p -> System.err.println("auth-server: configuration error: " + p));
            return EXIT_CONFIG;
        } catch (IOException | RuntimeException e) {
            System.err.println("auth-server: cannot start: " + e);
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "auth-server-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.close();
        }
        return 0;
    }
}
