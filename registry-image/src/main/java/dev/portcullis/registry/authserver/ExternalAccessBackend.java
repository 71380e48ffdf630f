package dev.portcullis.registry.authserver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ext_authz}: docker_auth's external authorizer protocol. For each requested resource the program gets
 * docker_auth's {@code AuthRequestInfo} as JSON on stdin, {@code {"Account", "Type", "Name", "Service", "IP",
 * "Actions", "Labels"}} (Go's field names, {@code IP} a string, {@code Labels} null when there are none), and answers
 * by exit status: 0 allowed, stdout the JSON list of allowed actions ({@code ["pull"]}; empty stdout allows none),
 * 1 denied, 2 no opinion (the next backend decides; none left = denied). Anything else (another status, a crash, a
 * hang past the timeout, too much output, stdout that is not a JSON list of strings) is ERROR: nothing granted, one
 * log line from the chain. Only requested actions are ever granted, whatever the program prints; {@code "*"} grants
 * all requested ones.
 */
final class ExternalAccessBackend implements AccessBackend {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ExternalProgram program;

    ExternalAccessBackend(ExternalProgram program) {
        this.program = program;
    }

    @Override
    public String name() {
        return ExternalAuthzSettings.SECTION;
    }

    @Override
    public AccessDecision authorize(AccessRequest r) {
        byte[] input;
        try {
            input = JSON.writeValueAsBytes(requestInfo(r));
        } catch (JsonProcessingException e) {
            return AccessDecision.error("cannot write the request as JSON");
        }
        ExternalProgram.Outcome outcome = program.run(input);
        if (outcome instanceof ExternalProgram.Failed f) {
            return AccessDecision.error("the program " + f.reason());
        }
        ExternalProgram.Exited done = (ExternalProgram.Exited) outcome;
        return switch (done.exitCode()) {
            case 0 -> {
                try {
                    List<String> allowed = actions(done.stdout());
                    yield AccessDecision.matched(allowed.contains("*") ? r.actions()
                            : r.actions().stream().filter(allowed::contains).toList());
                } catch (IOException e) {
                    yield AccessDecision.error("exit 0 but stdout is not a JSON list of actions");
                }
            }
            case 1 -> AccessDecision.matched(List.of());
            case 2 -> AccessDecision.noMatch();
            default -> AccessDecision.error("the program " + ExternalProgram.describe(done.exitCode()) + stderrHint(done.stderr()));
        };
    }

    /** docker_auth's {@code api.AuthRequestInfo} as Go's encoding/json writes it (no json tags: Go's field names). */
    private static Map<String, Object> requestInfo(AccessRequest r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Account", r.account());
        m.put("Type", r.type());
        m.put("Name", r.name());
        m.put("Service", r.service());
        m.put("IP", r.ip() == null ? "" : r.ip());
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
        String s = LogText.firstLine(new String(stderr, StandardCharsets.UTF_8).strip());
        return s.isEmpty() ? "" : " (stderr: " + Scopes.printable(s) + ")";
    }
}
