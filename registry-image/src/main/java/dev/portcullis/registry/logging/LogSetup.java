package dev.portcullis.registry.logging;

import dev.portcullis.registry.config.LogSettings;
import java.time.Instant;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/** Routes java.util.logging (ours and Vert.x's) to one line per record on stderr, in text or JSON. */
public final class LogSetup {
    /**
     * Vert.x logs an error, with a trace, whenever a file it sends (a pull served with sendfile) meets a closed
     * connection: a client that gave up, or the end of a drain. That is the client's business, not the registry's.
     * Held here: java.util.logging keeps loggers only weakly, and the filter goes with the logger.
     */
    private static final Logger VERTX_CONNECTION = Logger.getLogger("io.vertx.core.net.impl.VertxConnection");

    private LogSetup() {}

    public static void apply(LogSettings settings) {
        Logger root = Logger.getLogger("");
        for (var h : root.getHandlers()) {
            root.removeHandler(h);
        }
        // Not ConsoleHandler: replacing its stream would close System.err, where fatal errors are printed.
        StreamHandler handler = new StreamHandler(System.err, new TextFormatter(Map.of())) {
            @Override
            public synchronized void publish(LogRecord r) {
                super.publish(r);
                flush();
            }

            @Override
            public synchronized void close() {
                flush();
            }
        };
        Level level = toLevel(settings.level());
        handler.setLevel(level);
        handler.setFormatter(settings.formatter().equals("text") ? new TextFormatter(settings.fields())
                : new JsonFormatter(settings.fields()));
        root.addHandler(handler);
        root.setLevel(level);
        // Netty and Vert.x are chatty at debug; their warnings still show.
        Logger.getLogger("io.netty").setLevel(Level.WARNING);
        VERTX_CONNECTION.setFilter(LogSetup::notAClosedConnection);
    }

    static boolean notAClosedConnection(LogRecord r) {
        if (r.getThrown() instanceof java.nio.channels.ClosedChannelException) {
            VERTX_CONNECTION.fine("connection closed while a file was being sent to it");
            return false;
        }
        return true;
    }

    static Level toLevel(String level) {
        return switch (level) {
            case "error" -> Level.SEVERE;
            case "warn" -> Level.WARNING;
            case "debug" -> Level.FINE;
            default -> Level.INFO;
        };
    }

    static String levelName(Level level) {
        if (level.intValue() >= Level.SEVERE.intValue()) {
            return "error";
        }
        if (level.intValue() >= Level.WARNING.intValue()) {
            return "warning";
        }
        return level.intValue() >= Level.INFO.intValue() ? "info" : "debug";
    }

    private static String message(LogRecord r) {
        String msg = r.getMessage() == null ? "" : r.getMessage();
        if (r.getParameters() != null && r.getParameters().length > 0) {
            msg = java.text.MessageFormat.format(msg, r.getParameters());
        }
        if (r.getThrown() != null) {
            java.io.StringWriter sw = new java.io.StringWriter();
            r.getThrown().printStackTrace(new java.io.PrintWriter(sw));
            msg = msg + "\n" + sw;
        }
        return msg;
    }

    static final class TextFormatter extends Formatter {
        private final String fields;

        TextFormatter(Map<String, String> fields) {
            StringBuilder sb = new StringBuilder();
            fields.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
            this.fields = sb.toString();
        }

        @Override
        public String format(LogRecord r) {
            StringBuilder extra = new StringBuilder();
            if (r instanceof AccessLog.Record access) {
                access.fields().forEach((k, v) -> extra.append(' ').append(k).append('=').append(quoted(String.valueOf(v))));
            }
            return Instant.ofEpochMilli(r.getMillis()) + " level=" + levelName(r.getLevel()) + fields + " msg="
                    + quoted(message(r)) + extra + System.lineSeparator();
        }

        private static String quoted(String v) {
            return v.isEmpty() || v.contains(" ") || v.contains("\"") || v.contains("=")
                    ? "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"" : v;
        }
    }

    static final class JsonFormatter extends Formatter {
        private final Map<String, String> fields;

        JsonFormatter(Map<String, String> fields) {
            this.fields = fields;
        }

        @Override
        public String format(LogRecord r) {
            io.vertx.core.json.JsonObject o = new io.vertx.core.json.JsonObject()
                    .put("time", Instant.ofEpochMilli(r.getMillis()).toString())
                    .put("level", levelName(r.getLevel()))
                    .put("msg", message(r))
                    .put("logger", r.getLoggerName());
            fields.forEach(o::put);
            if (r instanceof AccessLog.Record access) {
                access.fields().forEach(o::put);
            }
            return o.encode() + System.lineSeparator();
        }
    }
}
