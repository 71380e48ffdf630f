package dev.portcullis.registry.authserver;

/** Shapes text from elsewhere (a driver's exception, a program's stderr) into the one log line it may take. */
final class LogText {
    private LogText() {
    }

    /** The first line of {@code s}; "" for null. Drivers append multi-line state dumps to their messages. */
    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
