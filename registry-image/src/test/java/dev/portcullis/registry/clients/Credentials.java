package dev.portcullis.registry.clients;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;

/** A registry user and password. {@link #toString()} never shows the password, so it is safe in test names and logs. */
public record Credentials(String user, String password) {
    /** The {@code user:pass} form that both skopeo --creds and ctr --user take. */
    public String pair() {
        return user + ":" + password;
    }

    /** The forms in which the password could show up in a command line, a config file or a client's debug output. */
    public Set<String> secrets() {
        return Set.of(pair(), password, Base64.getEncoder().encodeToString(pair().getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public String toString() {
        return "Credentials[user=" + user + ", password=***]";
    }
}
