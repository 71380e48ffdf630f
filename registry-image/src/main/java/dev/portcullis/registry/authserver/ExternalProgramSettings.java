package dev.portcullis.registry.authserver;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * docker_auth's {@code ext_auth} / {@code ext_authz}: {@code command} and {@code args}, run without a shell. Portcullis
 * adds {@code timeout} (default 5s): a program still running then is killed with its children and counts as a
 * denial. Unlike docker_auth, {@code command} must be an absolute path: the program runs with an empty environment,
 * so there is no PATH to look it up in.
 */
record ExternalProgramSettings(Path command, List<String> args, Duration timeout) {
    static ExternalProgramSettings fromConfig(Map<String, Object> section, String keyPrefix) throws ConfigException {
        SectionValues.onlyKeys(section, Set.of("command", "args", "timeout"), keyPrefix);
        String command = SectionValues.required(section.get("command"), keyPrefix + "command");
        if (!command.startsWith("/")) {
            throw new ConfigException(keyPrefix + "command", "must be an absolute path (the program gets no PATH), not '" + command + "'");
        }
        return new ExternalProgramSettings(Path.of(command), List.copyOf(SectionValues.strings(section.get("args"), keyPrefix + "args")),
                SectionValues.positiveDuration(section.get("timeout"), keyPrefix + "timeout", Duration.ofSeconds(5)));
    }

    List<String> argv() {
        List<String> argv = new java.util.ArrayList<>();
        argv.add(command.toString());
        argv.addAll(args);
        return argv;
    }
}
