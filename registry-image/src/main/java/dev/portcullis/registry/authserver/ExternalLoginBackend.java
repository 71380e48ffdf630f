package dev.portcullis.registry.authserver;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * {@code ext_auth}: docker_auth's external authenticator protocol. The program gets {@code "ACCOUNT PASSWORD"} on
 * stdin (one line, no newline at the end, as docker_auth writes it) and answers by exit status: 0 allowed (stdout,
 * when not empty, is the labels as JSON, {@code {"group": ["dev"]}}), 1 denied, 2 no opinion (the next backend
 * decides). Anything else (another status, a crash, a hang past the timeout, too much output, labels that are not
 * JSON) is ERROR: the login fails closed and the chain logs one line, never naming the password (stderr is not
 * logged: a program that echoes its input would put the password there).
 * <p>
 * docker_auth passes any account and password through; here an account with whitespace or a control character, or a
 * password with a line break or other control character, is denied without running the program: a script reading
 * {@code read user password} would otherwise see a different account, or only the first line of the password.
 */
final class ExternalLoginBackend implements LoginBackend {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ExternalProgram program;

    ExternalLoginBackend(ExternalProgram program) {
        this.program = program;
    }

    @Override
    public String name() {
        return ExternalAuthSettings.SECTION;
    }

    @Override
    public LoginResult authenticate(String account, String password, String remoteAddress) {
        if (account.isEmpty() || account.codePoints().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))
                || password.codePoints().anyMatch(Character::isISOControl)) {
            return LoginResult.denied();
        }
        ExternalProgram.Outcome outcome = program.run((account + " " + password).getBytes(StandardCharsets.UTF_8));
        if (outcome instanceof ExternalProgram.Failed f) {
            return LoginResult.error("the program " + f.reason());
        }
        ExternalProgram.Exited done = (ExternalProgram.Exited) outcome;
        return switch (done.exitCode()) {
            case 0 -> {
                try {
                    yield LoginResult.allowed(labels(done.stdout()));
                } catch (IOException e) {
                    yield LoginResult.error("exit 0 but stdout is not labels JSON ({\"label\": [\"value\"]})");
                }
            }
            case 1 -> LoginResult.denied();
            case 2 -> LoginResult.noMatch();
            default -> LoginResult.error("the program " + ExternalProgram.describe(done.exitCode()));
        };
    }

    private static Map<String, List<String>> labels(byte[] stdout) throws IOException {
        String text = new String(stdout, StandardCharsets.UTF_8);
        if (text.isBlank()) {
            return Map.of();
        }
        Map<String, List<String>> labels = JSON.readValue(text, new TypeReference<Map<String, List<String>>>() { });
        if (labels == null || labels.values().stream().anyMatch(v -> v == null || v.contains(null))) {
            throw new IOException("null label");
        }
        return labels;
    }
}
