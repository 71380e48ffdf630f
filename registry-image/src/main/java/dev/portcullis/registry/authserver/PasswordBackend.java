package dev.portcullis.registry.authserver;

import java.util.List;
import java.util.Map;

/**
 * One of docker_auth's authenticators after the static users ({@code mongo_auth}, {@code ext_auth}, and
 * {@code ldap_auth} on its own branch), asked in turn as docker_auth's {@code authenticateUser} does: the first
 * that has an opinion decides; {@link NoMatch} passes the login to the next one; no one left means denied.
 */
interface PasswordBackend {
    sealed interface Verdict permits Allowed, Denied, NoMatch, Unavailable {
    }

    /** {@code labels}: docker_auth's {@code api.Labels}, what an ACL's {@code match.labels} is matched against. */
    record Allowed(Map<String, List<String>> labels) implements Verdict {
        public Allowed {
            labels = Map.copyOf(labels);
        }
    }

    /** The backend knows the account and the password is wrong (docker_auth's {@code WrongPass}). */
    record Denied() implements Verdict {
    }

    /** The backend does not know the account (docker_auth's {@code NoMatch}): the next backend decides. */
    record NoMatch() implements Verdict {
    }

    /** The backend could not answer (its server is down): the login fails closed, the client may retry. */
    record Unavailable() implements Verdict {
    }

    /** The configuration section this backend comes from, for log lines ({@code mongo_auth}). */
    String name();

    /** Checks one login; never throws for a backend failure (it logs one line and answers {@link Unavailable}). */
    Verdict authenticate(String account, String password);
}
