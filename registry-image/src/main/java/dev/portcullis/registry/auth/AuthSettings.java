package dev.portcullis.registry.auth;

import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.config.ConfigTree;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code auth} section, the way Distribution reads it: at most one scheme (none: open), optional anonymous pulls,
 * and {@code http.tls.pullonly}, the client certificate names that may only pull whatever the scheme says.
 *
 * @param anonymousRepositories {@code auth.anonymous.repositories}: the repositories anonymous pulls are limited to
 *                              (empty: all)
 */
public record AuthSettings(Optional<HtpasswdSettings> htpasswd, Optional<TokenSettings> token, boolean anonymousPull,
                           List<String> anonymousRepositories, Set<String> pullOnlyCertificates) {

    public static AuthSettings from(ConfigTree tree) {
        Set<String> schemes = new HashSet<>(tree.map("auth").keySet());
        schemes.remove("anonymous");
        if (schemes.contains("silly")) {
            throw new ConfigException("auth.silly", "Distribution's test-only scheme accepts any credentials; refused");
        }
        if (schemes.size() > 1) {
            throw new ConfigException("auth", "configure one scheme, not " + String.join(" and ", schemes.stream().sorted().toList()));
        }
        Optional<HtpasswdSettings> htpasswd = Optional.empty();
        Optional<TokenSettings> token = Optional.empty();
        if (schemes.contains("htpasswd")) {
            htpasswd = Optional.of(htpasswd(tree));
        } else if (schemes.contains("token")) {
            token = Optional.of(TokenSettings.from(tree));
        } else if (!schemes.isEmpty()) {
            throw new ConfigException("auth." + schemes.iterator().next(), "unknown auth scheme (htpasswd, token)");
        }
        boolean anonymousPull = tree.bool("auth.anonymous.pull", false);
        if (anonymousPull && htpasswd.isEmpty() && token.isEmpty()) {
            throw new ConfigException("auth.anonymous.pull", "needs auth.htpasswd or auth.token for the clients that push");
        }
        return new AuthSettings(htpasswd, token, anonymousPull, tree.stringList("auth.anonymous.repositories"),
                Set.copyOf(tree.stringList("http.tls.pullonly")));
    }

    private static HtpasswdSettings htpasswd(ConfigTree tree) {
        String realm = tree.string("auth.htpasswd.realm")
                .orElseThrow(() -> new ConfigException("auth.htpasswd.realm", "missing"));
        String path = tree.string("auth.htpasswd.path")
                .orElseThrow(() -> new ConfigException("auth.htpasswd.path", "missing"));
        if (!Files.isRegularFile(Path.of(path))) {
            throw new ConfigException("auth.htpasswd.path", "cannot read file " + path);
        }
        Duration ttl = tree.duration("auth.htpasswd.cachettl", Duration.ofMinutes(5));
        return new HtpasswdSettings(realm, Path.of(path), ttl, Set.copyOf(tree.stringList("auth.htpasswd.pullonly")));
    }
}
