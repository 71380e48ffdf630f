package dev.portcullis.registry.nodeagent;

import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.config.GoDuration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * {@code node-agent --source DIR [--containerd DIR] [--docker DIR] [--interval 10s] [--once]
 * [--credential-provider-bin-dir DIR --credential-provider-config FILE]}: keeps a node's {@code certs.d} folders
 * matching the registries listed in {@code DIR/registries.yaml}, so containerd (and Docker) trust the cluster's
 * Portcullis registries with no manual step and no restart; with the two credential-provider options, it also installs
 * the kubelet image credential provider for the registries whose pods pull with their own ServiceAccount token. On SIGTERM it stops and leaves the
 * files in place: an agent upgrade must not make nodes distrust their registries, even for a moment.
 */
public final class NodeAgentCommand {
    private static final Logger LOG = Logger.getLogger(NodeAgentCommand.class.getName());

    private NodeAgentCommand() {}

    static final String USAGE = "usage: node-agent --source DIR [--containerd DIR] [--docker DIR] [--interval 10s]"
            + " [--once] [--credential-provider-bin-dir DIR --credential-provider-config FILE"
            + " [--credential-provider-runtime DIR] [--credential-provider-jar FILE]]";

    public static int run(List<String> args) {
        Path source = null;
        Path providerBin = null;
        Path providerConfig = null;
        Path providerRuntime = Path.of(System.getProperty("java.home"));
        Path providerJar = null;
        Optional<CredentialProviderInstall> provider = Optional.empty();
        List<CertsDirectory> targets = new ArrayList<>();
        Duration interval = Duration.ofSeconds(10);
        boolean once = false;
        try {
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                switch (a) {
                    case "--source" -> source = Path.of(value(args, ++i, a));
                    case "--containerd" -> targets.add(new CertsDirectory(Path.of(value(args, ++i, a)),
                            CertsDirectory.Layout.CONTAINERD));
                    case "--docker" -> targets.add(new CertsDirectory(Path.of(value(args, ++i, a)), CertsDirectory.Layout.DOCKER));
                    case "--interval" -> interval = GoDuration.parse("--interval", value(args, ++i, a));
                    case "--once" -> once = true;
                    case "--credential-provider-bin-dir" -> providerBin = Path.of(value(args, ++i, a));
                    case "--credential-provider-config" -> providerConfig = Path.of(value(args, ++i, a));
                    case "--credential-provider-runtime" -> providerRuntime = Path.of(value(args, ++i, a));
                    case "--credential-provider-jar" -> providerJar = Path.of(value(args, ++i, a));
                    default -> throw new ConfigException(a, "unknown option");
                }
            }
            if (source == null) {
                throw new ConfigException("--source", "missing: the folder holding registries.yaml");
            }
            if ((providerBin == null) != (providerConfig == null)) {
                throw new ConfigException("--credential-provider-bin-dir", "and --credential-provider-config go together");
            }
            if (providerBin != null) {
                if (providerJar == null) {
                    providerJar = ownJar().orElseThrow(() -> new ConfigException("--credential-provider-jar",
                            "missing: the agent does not run from a jar"));
                }
                if (!Files.isExecutable(providerRuntime.resolve("bin/java"))) {
                    throw new ConfigException("--credential-provider-runtime", providerRuntime + " has no bin/java");
                }
                provider = Optional.of(new CredentialProviderInstall(providerBin, providerConfig, providerRuntime,
                        providerJar));
            }
            if (targets.isEmpty()) {
                targets.add(new CertsDirectory(Path.of("/etc/containerd/certs.d"), CertsDirectory.Layout.CONTAINERD));
            }
        } catch (ConfigException e) {
            System.err.println("node-agent: " + e.getMessage());
            System.err.println(USAGE);
            return 2;
        }
        Path file = source.resolve("registries.yaml");
        if (once) {
            return reconcile(file, targets, provider, new HashSet<>()) ? 0 : 1;
        }
        dev.portcullis.registry.logging.LogSetup.apply(new dev.portcullis.registry.config.LogSettings("info", "text",
                java.util.Map.of("service", "node-agent"), true));
        CountDownLatch stop = new CountDownLatch(1);
        // Files are renamed into place, so stopping between two writes leaves every entry whole.
        dev.portcullis.registry.server.GracefulShutdown.install().drainWith(stop::countDown);
        LOG.info("node agent watching " + file + " every " + interval.toMillis() + "ms");
        Set<String> reported = new HashSet<>();
        try {
            do {
                reconcile(file, targets, provider, reported);
            } while (!stop.await(interval.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /**
     * One pass; false when something was left out. A bad or missing list is logged and the node keeps what it had; a
     * bad entry is skipped (its folders kept) and the rest applied. Each skipped entry is logged when it first shows
     * up in {@code reported} (the entries already reported), not on every pass.
     */
    static boolean reconcile(Path file, List<CertsDirectory> targets, Optional<CredentialProviderInstall> provider,
            Set<String> reported) {
        TrustList list;
        try {
            list = TrustSource.read(file);
        } catch (IOException | ConfigException e) {
            LOG.warning("cannot read " + file + ", keeping the node as it is: " + e.getMessage());
            return false;
        }
        Set<String> now = new HashSet<>();
        for (TrustList.Skipped s : list.skipped()) {
            now.add(s.toString());
            if (!reported.contains(s.toString())) {
                LOG.warning(file + ": skipped " + s + (s.id() == null ? "" : "; its folders are left as they were"));
            }
        }
        reported.retainAll(now);
        reported.addAll(now);
        Set<String> kept = new HashSet<>();
        list.skipped().stream().map(TrustList.Skipped::id).filter(java.util.Objects::nonNull).forEach(kept::add);
        boolean ok = list.skipped().isEmpty();
        for (CertsDirectory target : targets) {
            try {
                target.reconcile(list.registries(), kept).forEach(LOG::info);
            } catch (IOException e) {
                LOG.warning("cannot update the node's certificates: " + e);
                ok = false;
            }
        }
        if (provider.isPresent()) {
            try {
                provider.get().reconcile(list.registries(), kept).forEach(LOG::info);
            } catch (ConfigException e) {
                if (provider.get().firstReport(e.getMessage())) {
                    LOG.warning(e.getMessage());
                }
                ok = false;
            } catch (IOException e) {
                LOG.warning("cannot install the credential provider: " + e);
                ok = false;
            }
        }
        return ok;
    }

    /** The jar this agent runs from, when it runs from one (not from a build's classes folder). */
    private static Optional<Path> ownJar() {
        try {
            Path p = Path.of(NodeAgentCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String value(List<String> args, int i, String option) {
        if (i >= args.size()) {
            throw new ConfigException(option, "needs a value");
        }
        return args.get(i);
    }
}
