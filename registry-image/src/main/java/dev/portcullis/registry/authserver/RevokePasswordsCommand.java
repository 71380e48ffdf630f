package dev.portcullis.registry.authserver;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code auth-server revoke CONFIG.yml (--id ID | --account NAME | --expired)}: revokes registry passwords issued by
 * the browser logins ({@code oidc_auth}, {@code google_auth}) of that configuration, in every section's
 * {@code token_db}. It works on the files alone, so it runs beside a running issuer (e.g. {@code kubectl exec}) and
 * the revocation holds at once for every replica sharing the directory.
 */
final class RevokePasswordsCommand {
    static final String NAME = "revoke";
    static final String USAGE = NAME + " CONFIG.yml (--id ID | --account NAME | --expired)";

    private RevokePasswordsCommand() {
    }

    static int run(List<String> args) {
        if (args.size() < 2 || args.get(0).startsWith("-") || !List.of("--id", "--account", "--expired").contains(args.get(1))
                || (args.get(1).equals("--expired") ? args.size() != 2 : args.size() != 3)) {
            System.err.println("usage: auth-server " + USAGE);
            return AuthServerCommand.EXIT_CONFIG;
        }
        List<LoginPasswords> stores = new ArrayList<>();
        try {
            AuthServerConfig config = AuthServerConfig.load(Path.of(args.get(0)));
            for (BackendSettings b : config.backends()) {
                if (b instanceof BrowserLoginSettings s) {
                    stores.add(LoginPasswords.open(s.tokenDb(), s.section() + ".token_db", Clock.systemUTC()));
                }
            }
        } catch (ConfigException e) {
            System.err.println("auth-server revoke: configuration error: " + e.getMessage());
            return AuthServerCommand.EXIT_CONFIG;
        }
        if (stores.isEmpty()) {
            System.err.println("auth-server revoke: " + args.get(0) + " configures no browser login (oidc_auth, google_auth)");
            return AuthServerCommand.EXIT_CONFIG;
        }
        int revoked = 0;
        try {
            for (LoginPasswords store : stores) {
                switch (args.get(1)) {
                    case "--id" -> revoked += store.revoke(idOf(args.get(2))) ? 1 : 0;
                    case "--account" -> revoked += store.revokeAccount(args.get(2));
                    default -> revoked += store.sweepExpired();
                }
            }
        } catch (IOException e) {
            System.err.println("auth-server revoke: " + e.getMessage());
            return 1;
        }
        System.out.println("revoked " + revoked + " password" + (revoked == 1 ? "" : "s"));
        if (revoked == 0 && args.get(1).equals("--id")) {
            System.err.println("auth-server revoke: no password with ID " + Scopes.printable(idOf(args.get(2))));
            return 1;
        }
        return 0;
    }

    /** The ID of a password, or the ID itself: a whole password pasted by mistake is cut at its dot, never printed. */
    private static String idOf(String arg) {
        int dot = arg.indexOf('.');
        return dot < 0 ? arg : arg.substring(0, dot);
    }
}
