package dev.portcullis.registry.authserver;

import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * A browser login section at run time ({@code oidc_auth}, {@code google_auth}): its sign-in flow, which ends by
 * issuing a registry password, and the login backend that accepts those passwords at the token endpoint with the
 * labels the sign-in carried, so ACLs apply to them as to any account. The HTTP side is {@link BrowserLoginRoutes}.
 */
final class BrowserLoginBackend implements LoginBackend {
    private static final System.Logger LOG = System.getLogger(BrowserLoginBackend.class.getName());

    /** A password shown to the person who just signed in. */
    record Shown(String account, LoginPasswords.Issued password, String registry) {
    }

    private final BrowserLoginSettings settings;
    private final BrowserLoginFlow flow;
    private final LoginPasswords passwords;

    BrowserLoginBackend(BrowserLoginSettings settings, BrowserLoginFlow flow, LoginPasswords passwords) {
        this.settings = settings;
        this.flow = flow;
        this.passwords = passwords;
    }

    static BrowserLoginBackend start(BrowserLoginSettings s) throws ConfigException {
        String secretKey = s.section() + ".client_secret_file";
        String secret;
        try {
            secret = Files.readString(s.clientSecretFile(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new ConfigException(secretKey, "cannot read " + s.clientSecretFile() + ": " + e.getMessage());
        }
        if (secret.isEmpty()) {
            throw new ConfigException(secretKey, s.clientSecretFile() + " is empty");
        }
        SSLSocketFactory tls = s.caCertificate() == null ? null
                : CaTrust.socketFactory(s.caCertificate(), s.section() + ".ca_certificate");
        LoginPasswords passwords = LoginPasswords.open(s.tokenDb(), s.section() + ".token_db", Clock.systemUTC());
        LOG.log(System.Logger.Level.INFO, "{0}: sign-in page at {1} with {2}, passwords in {3} valid for {4}",
                s.section(), s.redirectUrl(), s.issuer(), s.tokenDb(), s.passwordExpiration());
        return new BrowserLoginBackend(s, new BrowserLoginFlow(s, secret, tls), passwords);
    }

    BrowserLoginSettings settings() {
        return settings;
    }

    @Override
    public String name() {
        return settings.section();
    }

    @Override
    public LoginResult authenticate(String account, String password, String remoteAddress) {
        return passwords.check(account, password);
    }

    /** Starts a sign-in (blocking: the first one fetches the provider's discovery document). */
    BrowserLoginFlow.Start begin() throws BrowserLoginFlow.Unavailable {
        return flow.start();
    }

    /** Finishes a sign-in and issues its password (blocking: asks the provider). */
    Shown complete(Map<String, List<String>> query, String cookie, String address)
            throws BrowserLoginFlow.Refused, BrowserLoginFlow.Unavailable, IOException {
        BrowserLoginFlow.Identity who = flow.finish(query, cookie);
        LoginPasswords.Issued issued = passwords.issue(who.account(), who.labels(), settings.section(), settings.passwordExpiration());
        LOG.log(System.Logger.Level.INFO, "{0}: password issued: account={1} id={2} expires={3} labels={4} address={5}",
                settings.section(), Scopes.printable(who.account()), issued.id(), issued.expires(), who.labels().keySet(), address);
        try {
            int swept = passwords.sweepExpired();
            if (swept > 0) {
                LOG.log(System.Logger.Level.INFO, "{0}: {1} expired passwords deleted", settings.section(), swept);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "{0}: cannot sweep expired passwords: {1}", settings.section(), e.getMessage());
        }
        return new Shown(who.account(), issued, settings.registryUrl());
    }
}
