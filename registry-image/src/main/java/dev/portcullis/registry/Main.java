package dev.portcullis.registry;

import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.config.RegistryConfig;
import dev.portcullis.registry.config.RegistryConfigLoader;
import dev.portcullis.registry.logging.LogSetup;
import dev.portcullis.registry.server.GracefulShutdown;
import dev.portcullis.registry.server.RegistryServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The registry image's command line: parses it and hands over to one command. Nothing else. */
public final class Main {
    static final String USAGE = """
            usage: portcullis-registry [COMMAND]
              (no command)          run an HTTPS registry on port 5000 with a generated CA and admin password,
                                    storing under ./registry-data
              serve CONFIG.yml      run a registry from a CNCF Distribution config file (REGISTRY_* env overrides apply)
              auth-server CONFIG.yml  run the token issuer (docker_auth's config format)
              auth-server revoke CONFIG.yml (--id ID | --account NAME | --expired)
                                    revoke registry passwords issued by its browser logins (oidc_auth, google_auth)
              node-agent --source DIR [--containerd DIR] [--docker DIR] [--interval 10s] [--once]
                         [--credential-provider-bin-dir DIR --credential-provider-config FILE]
                                    keep a node's certs.d trusting the registries listed in DIR/registries.yaml,
                                    and install the kubelet's credential provider for those that ask for it
              credential-provider --registry HOST[:PORT] [--username NAME] [--max-cache-duration 5m]
                                    [--anonymous-without-token]
                                    kubelet image credential provider: the pod's ServiceAccount token as the password
              garbage-collect CONFIG.yml [--dry-run] [--delete-untagged]
                                    remove unreferenced blobs (safe while a registry serves the storage)
              --version             print the version
            """;

    private Main() {}

    public static void main(String[] args) {
        jfrEventsOnlyWhenAsked();
        int code = run(List.of(args), System.getenv());
        if (code >= 0) {
            System.exit(code);
        }
    }

    /** Returns an exit code, or -1 when a server is running and the JVM must stay up. */
    static int run(List<String> args, Map<String, String> env) {
        try {
            if (args.isEmpty()) {
                EmbeddedDefault.Prepared embedded = EmbeddedDefault.prepare(env);
                try {
                    return serve(embedded.config(), embedded.defaults());
                } catch (IOException | RuntimeException e) {
                    embedded.defaults().discardUnshownPassword();
                    throw e;
                }
            }
            return switch (args.get(0)) {
                case "serve" -> {
                    if (args.size() != 2) {
                        yield usage("serve needs exactly one argument: the config file");
                    }
                    yield serve(RegistryConfigLoader.load(Path.of(args.get(1)), env), null);
                }
                case "garbage-collect" -> dev.portcullis.registry.gc.GarbageCollectCommand.run(args.subList(1, args.size()), env);
                case "auth-server" -> dev.portcullis.registry.authserver.AuthServerCommand.run(args.subList(1, args.size()));
                case "credential-provider" -> dev.portcullis.registry.credentialprovider.CredentialProviderCommand.run(args.subList(1, args.size()));
                case "node-agent" -> dev.portcullis.registry.nodeagent.NodeAgentCommand.run(args.subList(1, args.size()));
                case "--version", "version" -> {
                    System.out.println("portcullis-registry " + version());
                    yield 0;
                }
                case "--help", "-h", "help" -> {
                    System.out.print(USAGE);
                    yield 0;
                }
                default -> usage("unknown command '" + args.get(0) + "'");
            };
        } catch (ConfigException e) {
            e.problems().forEach(p -> System.err.println("portcullis-registry: config error: " + p));
            return 2;
        } catch (IOException e) {
            System.err.println("portcullis-registry: " + e.getMessage());
            return 1;
        }
    }

    /**
     * Netty 4.2 registers its JFR event classes (buffer allocator events) at start whether or not a recording runs:
     * 131 classes loaded for nothing. Set before any Netty class loads; {@code -Dio.netty.jfr.enabled=true} on the
     * command line still turns them on for a profiling session. jvm.options says the same for the image.
     */
    static void jfrEventsOnlyWhenAsked() {
        if (System.getProperty(NETTY_JFR) == null) {
            System.setProperty(NETTY_JFR, "false");
        }
    }

    private static final String NETTY_JFR = "io.netty.jfr.enabled";

    private static int usage(String problem) {
        System.err.println("portcullis-registry: " + problem);
        System.err.print(USAGE);
        return 2;
    }

    private static int serve(RegistryConfig config, EmbeddedDefault embedded) throws IOException {
        LogSetup.apply(config.log());
        config.warnings().forEach(w -> java.util.logging.Logger.getLogger("config").warning(w));
        GracefulShutdown shutdown = GracefulShutdown.install();
        RegistryServer server = RegistryServer.start(config);
        shutdown.drainWith(server::drainAndClose);
        if (embedded != null) {
            embedded.printWelcome(server);
        }
        return -1;
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** Exposed for tests that build a config in memory. */
    static RegistryConfig configFromYaml(String yaml, Map<String, String> env) {
        return RegistryConfigLoader.parse(yaml, "inline", env);
    }
}
