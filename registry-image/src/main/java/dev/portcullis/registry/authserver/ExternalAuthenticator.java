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
 * when not empty, is the labels as JSON, {@code {"group": ["dev"]}}), 1 denied, 2 no opinion (the next authenticator
 * decides). Anything else (another status, a crash, a hang past the timeout, too much output, labels that are not
 * JSON) is a denial with one log line, never naming the password.
 * <p>
 * docker_auth passes any account and password through; here an account with whitespace or a control character, or a
 * password with a line break or other control character, is denied without running the program: a script reading
 * {@code read user password} would otherwise see a different account, or only the first line of the password.
 */
final class ExternalAuthenticator implements PasswordBackend {
    private static final System.Logger LOG = System.getLogger(ExternalAuthenticator.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ExternalProgram program;

    ExternalAuthenticator(ExternalProgram program) {
        this.program = program;
    }

    @Override
    public String name() {
        return "ext_auth";
    }

    @Override
    public Verdict authenticate(String account, String password) {
        String who = Scopes.printable(account);
        if (account.isEmpty() || account.codePoints().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            LOG.log(System.Logger.Level.WARNING, "ext_auth: account={0} refused: an account name with whitespace or a control character is never passed on", who);
            return new Denied();
        }
        if (password.codePoints().anyMatch(Character::isISOControl)) {
            LOG.log(System.Logger.Level.WARNING, "ext_auth: account={0} refused: the password contains a line break or control character", who);
            return new Denied();
        }
        ExternalProgram.Outcome outcome = program.run((account + " " + password).getBytes(StandardCharsets.UTF_8));
        if (outcome instanceof ExternalProgram.Failed f) {
            LOG.log(System.Logger.Level.WARNING, "ext_auth: account={0} refused: the program {1}", who, f.reason());
            return new Denied();
        }
        ExternalProgram.Exited done = (ExternalProgram.Exited) outcome;
        switch (done.exitCode()) {
            case 0:
                try {
                    return new Allowed(labels(done.stdout()));
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "ext_auth: account={0} refused: exit 0 but stdout is not labels JSON ({\"label\": [\"value\"]})", who);
                    return new Denied();
                }
            case 1:
                return new Denied();
            case 2:
                return new NoMatch();
            default:
                // stderr is not logged: a program that echoes its input would put the password in the log.
                LOG.log(System.Logger.Level.WARNING, "ext_auth: account={0} refused: the program {1}", who,
                        ExternalProgram.describe(done.exitCode()));
                return new Denied();
        }
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
