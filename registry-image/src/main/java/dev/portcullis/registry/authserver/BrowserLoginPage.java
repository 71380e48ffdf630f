package dev.portcullis.registry.authserver;

import java.net.URI;
import java.time.format.DateTimeFormatter;

/**
 * The three pages of a browser login, as HTML: sign in, the password with the commands that use it, and an error.
 * Everything from outside (account names, the registry's address, reasons) is escaped. The commands read the
 * password from standard input, so it does not end up in the process list.
 */
final class BrowserLoginPage {
    private BrowserLoginPage() {
    }

    static String signIn(BrowserLoginSettings s) {
        return layout("Sign in to the registry", """
                <p>Sign in with %s to get a registry password for <code>docker login</code> and <code>skopeo login</code>.</p>
                <form method="post" action="%s"><button id="sign-in" type="submit">Sign in</button></form>
                """.formatted(escape(provider(s)), escape(s.path())));
    }

    static String password(BrowserLoginSettings s, BrowserLoginBackend.Shown shown) {
        String registry = shown.registry() == null ? "REGISTRY" : host(shown.registry());
        String account = shown.account();
        String pw = shown.password().password();
        String docker = "printf '%s' '" + pw + "' | docker login --username " + shellQuote(account) + " --password-stdin " + registry;
        String skopeo = "printf '%s' '" + pw + "' | skopeo login --username " + shellQuote(account) + " --password-stdin " + registry;
        return layout("Your registry password", """
                <p>Signed in as <strong id="account">%s</strong>. This password is shown once; it expires at
                <span id="expires">%s</span>.</p>
                <p>Password: <code id="password">%s</code></p>
                <p>docker:</p><pre id="docker-login">%s</pre>
                <p>skopeo or podman:</p><pre id="skopeo-login">%s</pre>
                <p>Its ID, to revoke it: <code id="password-id">%s</code>
                (<code>auth-server revoke CONFIG.yml --id %s</code>).</p>
                """.formatted(escape(account), DateTimeFormatter.ISO_INSTANT.format(shown.password().expires().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)), escape(pw),
                escape(docker), escape(skopeo), escape(shown.password().id()), escape(shown.password().id())));
    }

    static String error(BrowserLoginSettings s, String reason) {
        return layout("Sign-in failed", """
                <p id="error">%s</p>
                <p><a href="%s">Start again</a></p>
                """.formatted(escape(reason), escape(s.path())));
    }

    private static String provider(BrowserLoginSettings s) {
        return BrowserLoginSettings.GOOGLE.equals(s.section()) ? "Google" : s.issuer().getHost();
    }

    /** registry_url as docker login wants it: host[:port], without a scheme. */
    private static String host(String registryUrl) {
        if (registryUrl.contains("://")) {
            URI u = URI.create(registryUrl);
            return u.getPort() < 0 ? u.getHost() : u.getHost() + ":" + u.getPort();
        }
        return registryUrl;
    }

    private static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static String layout(String title, String body) {
        return """
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><title>%s</title>
                <style>body{font-family:sans-serif;max-width:48em;margin:2em auto}pre,code{background:#eee;padding:.2em;overflow-wrap:anywhere;white-space:pre-wrap}</style>
                </head><body><h1>%s</h1>
                %s</body></html>
                """.formatted(escape(title), escape(title), body);
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
