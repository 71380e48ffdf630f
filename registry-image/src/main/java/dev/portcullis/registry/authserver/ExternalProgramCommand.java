package dev.portcullis.registry.authserver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The keys {@code ext_auth} and {@code ext_authz} share: {@code command} and {@code args}, run without a shell.
 * Portcullis adds {@code timeout} (default 5s): a program still running then is killed with its children. Unlike
 * docker_auth, {@code command} must be an absolute path: the program runs with an empty environment, so there is no
 * PATH to look it up in.
 */
record ExternalProgramCommand(String section, Path command, List<String> args, Duration timeout) {
    static ExternalProgramCommand parse(ConfigSection s, String section) throws ConfigException {
        s.allowOnly(Set.of("command", "args", "timeout"));
        String command = s.required("command");
        if (!command.startsWith("/")) {
            throw new ConfigException(s.key("command"), "must be an absolute path (the program gets no PATH), not '" + command + "'");
        }
        return new ExternalProgramCommand(section, Path.of(command), List.copyOf(s.strings("args")),
                s.positiveDuration("timeout", Duration.ofSeconds(5)));
    }

    /** Checks at start that the program is there and executable, naming its key when not. */
    ExternalProgram start() throws ConfigException {
        if (!Files.isRegularFile(command) || !Files.isExecutable(command)) {
            throw new ConfigException(section + ".command", command + " is not an executable file");
        }
        return new ExternalProgram(this);
    }

    List<String> argv() {
        List<String> argv = new ArrayList<>();
        argv.add(command.toString());
        argv.addAll(args);
        return argv;
    }
}
