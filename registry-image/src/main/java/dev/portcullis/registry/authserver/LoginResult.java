package dev.portcullis.registry.authserver;

import java.util.List;
import java.util.Map;

/**
 * A {@link LoginBackend}'s answer. {@code labels} (only when ALLOWED) are what ACLs match with {@code match.labels}
 * and {@code ${labels:NAME}}; {@code detail} (only when ERROR) goes to the log, so it must never hold a credential.
 */
public record LoginResult(Outcome outcome, Map<String, List<String>> labels, String detail) {
    public enum Outcome {
        /** The password is right. */
        ALLOWED,
        /** The backend knows the account and the password is wrong: no later backend is asked (docker_auth's WrongPass). */
        DENIED,
        /** The backend does not know the account: the next backend is asked (docker_auth's NoMatch). */
        NO_MATCH,
        /** The backend could not decide (server down, program crashed): the login fails closed. */
        ERROR
    }

    public LoginResult {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        detail = detail == null ? "" : detail;
    }

    public static LoginResult allowed(Map<String, List<String>> labels) {
        return new LoginResult(Outcome.ALLOWED, labels, "");
    }

    public static LoginResult denied() {
        return new LoginResult(Outcome.DENIED, Map.of(), "");
    }

    public static LoginResult noMatch() {
        return new LoginResult(Outcome.NO_MATCH, Map.of(), "");
    }

    public static LoginResult error(String detail) {
        return new LoginResult(Outcome.ERROR, Map.of(), detail);
    }
}
