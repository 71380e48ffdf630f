package dev.portcullis.registry;

import java.util.List;
import java.util.Map;

/** Lets tests in other packages run the command line in-process. */
public final class MainAccess {
    private MainAccess() {}

    public static int run(List<String> args, Map<String, String> env) {
        return Main.run(args, env);
    }
}
