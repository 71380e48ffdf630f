package dev.portcullis.registry.authserver;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code ext_authz}: docker_auth's external authorizer protocol. For each requested resource the program gets
 * docker_auth's {@code AuthRequestInfo} as JSON on stdin, {@code {"Account", "Type", "Name", "Service", "IP",
 * "Actions", "Labels"}} (Go's field names, {@code IP} a string, {@code Labels} null when there are none), and answers
 * by exit status: 0 allowed, stdout the JSON list of allowed actions ({@code ["pull"]}; empty stdout allows none),
 * 1 denied, 2 no opinion (the next authorizer decides; none left = denied). Anything else (another status, a crash, a
 * hang past the timeout, too much output, stdout that is not a JSON list of strings) denies with one log line. Only
 * requested actions are ever granted, whatever the program prints; {@code "*"} grants all requested ones.
 */
final class ExternalAuthorizer implements Authorizer {
    private static final System.Logger LOG = System.getLogger(ExternalAuthorizer.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ExternalProgram program;

    ExternalAuthorizer(ExternalProgram program) {
        this.program = program;
    }

    @Override
    public Optional<List<String>> authorize(AuthorizationRequest r) {
        String what = "account=" + (r.account().isEmpty() ? "(anonymous)" : Scopes.printable(r.account()))
                + " scope=" + Scopes.printable(r.type() + ":" + r.name());
        byte[] input;
        try {
            input = JSON.writeValueAsBytes(requestInfo(r));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        ExternalProgram.Outcome outcome = program.run(input);
        if (outcome instanceof ExternalProgram.Failed f) {
            LOG.log(System.Logger.Level.WARNING, "ext_authz: {0} denied: the program {1}", what, f.reason());
            return Optional.of(List.of());
        }
        ExternalProgram.Exited done = (ExternalProgram.Exited) outcome;
        switch (done.exitCode()) {
            case 0:
                try {
                    List<String> allowed = actions(done.stdout());
                    return Optional.of(allowed.contains("*") ? r.actions() : r.actions().stream().filter(allowed::contains).toList());
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "ext_authz: {0} denied: exit 0 but stdout is not a JSON list of actions", what);
                    return Optional.of(List.of());
                }
            case 1:
                return Optional.of(List.of());
            case 2:
                return Optional.empty();
            default:
                LOG.log(System.Logger.Level.WARNING, "ext_authz: {0} denied: the program {1}{2}", what,
                        ExternalProgram.describe(done.exitCode()), stderrHint(done.stderr()));
                return Optional.of(List.of());
        }
    }

    /** docker_auth's {@code api.AuthRequestInfo} as Go's encoding/json writes it (no json tags: Go's field names). */
    private static Map<String, Object> requestInfo(AuthorizationRequest r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Account", r.account());
        m.put("Type", r.type());
        m.put("Name", r.name());
        m.put("Service", r.service());
        m.put("IP", r.address() == null ? "" : r.address());
        m.put("Actions", r.actions());
        m.put("Labels", r.labels().isEmpty() ? null : r.labels());
        return m;
    }

    private static List<String> actions(byte[] stdout) throws IOException {
        String text = new String(stdout, StandardCharsets.UTF_8);
        if (text.isBlank()) {
            return List.of();
        }
        List<String> actions = JSON.readValue(text, new TypeReference<List<String>>() { });
        if (actions == null || actions.contains(null)) {
            throw new IOException("not a list of strings");
        }
        return actions;
    }

    /** The first line of what the program wrote on stderr, shortened, for the log: the one clue to why it failed. */
    private static String stderrHint(byte[] stderr) {
        String s = MongoAuthenticator.firstLine(new String(stderr, StandardCharsets.UTF_8).strip());
        return s.isEmpty() ? "" : " (stderr: " + Scopes.printable(s) + ")";
    }
}
