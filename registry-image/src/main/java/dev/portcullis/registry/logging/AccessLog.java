package dev.portcullis.registry.logging;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * One line per request: who (the authenticated identity, never a credential), what, and how it went. Headers are not
 * logged at all, so no {@code Authorization} value can leak through here.
 */
public final class AccessLog {
    private static final Logger LOG = Logger.getLogger("dev.portcullis.registry.access");

    private AccessLog() {}

    /** A log record whose fields a JSON formatter writes as fields. */
    public static final class Record extends LogRecord {
        private final Map<String, Object> fields;

        Record(String message, Map<String, Object> fields) {
            super(Level.INFO, message);
            this.fields = fields;
            setLoggerName(LOG.getName());
        }

        public Map<String, Object> fields() {
            return fields;
        }
    }

    public static void log(String remote, String method, String path, String route, int status, long bytesIn,
                           long bytesOut, double millis, String user, String authMethod, String userAgent) {
        if (!LOG.isLoggable(Level.INFO)) {
            return;
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("remote", remote);
        f.put("method", method);
        f.put("path", path);
        f.put("route", route);
        f.put("status", status);
        f.put("bytes_in", bytesIn);
        f.put("bytes_out", bytesOut);
        f.put("duration_ms", Math.round(millis * 100) / 100.0);
        f.put("user", user);
        f.put("auth", authMethod);
        f.put("user_agent", userAgent == null ? "-" : userAgent);
        LOG.log(new Record(method + " " + path + " " + status, f));
    }
}
