package dev.portcullis.registry.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Distribution's envelope, {@code {"events":[...]}}, as the bytes that are stored and sent. Events are serialised once,
 * when they are made; envelopes are joined by copying the bytes between the brackets, never by parsing and writing the
 * events again.
 *
 * @param json   always starts with {@link #HEAD} and ends with {@link #TAIL}
 * @param events how many events it holds
 */
record EventEnvelope(byte[] json, int events) {
    private static final byte[] HEAD = "{\"events\":[".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TAIL = "]}".getBytes(StandardCharsets.US_ASCII);

    /** The envelope of events serialised as JSON objects, in their order. */
    static EventEnvelope of(List<byte[]> events) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(size(events));
        out.writeBytes(HEAD);
        for (int i = 0; i < events.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.writeBytes(events.get(i));
        }
        out.writeBytes(TAIL);
        return new EventEnvelope(out.toByteArray(), events.size());
    }

    /** One envelope with the events of all of them, oldest first; the envelope itself when there is one. */
    static EventEnvelope join(List<EventEnvelope> envelopes) {
        if (envelopes.size() == 1) {
            return envelopes.get(0);
        }
        int bytes = HEAD.length + TAIL.length;
        int events = 0;
        for (EventEnvelope e : envelopes) {
            bytes += e.json.length - HEAD.length - TAIL.length + 1;
            events += e.events;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes);
        out.writeBytes(HEAD);
        boolean first = true;
        for (EventEnvelope e : envelopes) {
            if (e.events == 0) {
                continue;
            }
            if (!first) {
                out.write(',');
            }
            out.write(e.json, HEAD.length, e.json.length - HEAD.length - TAIL.length);
            first = false;
        }
        out.writeBytes(TAIL);
        return new EventEnvelope(out.toByteArray(), events);
    }

    /**
     * An envelope read back from an outbox (written by this process before a restart, or by another replica): empty
     * when the bytes are not an envelope with an {@code events} list. Anything else in it is left out.
     */
    static Optional<EventEnvelope> parse(byte[] stored) {
        JsonNode root;
        try {
            root = EventRecords.JSON.readTree(stored);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (root == null || !root.path("events").isArray()) {
            return Optional.empty();
        }
        ArrayNode events = (ArrayNode) root.get("events");
        if (root.size() == 1 && startsAndEndsAsWritten(stored)) {
            return Optional.of(new EventEnvelope(stored, events.size()));
        }
        List<byte[]> each = new ArrayList<>();
        try {
            for (JsonNode e : events) {
                each.add(EventRecords.JSON.writeValueAsBytes(e));
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.of(of(each));
    }

    /** The events as JSON trees, for a format that sends each on its own (CloudEvents). */
    List<JsonNode> eventNodes() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        EventRecords.JSON.readTree(json).path("events").forEach(out::add);
        return out;
    }

    private static boolean startsAndEndsAsWritten(byte[] b) {
        return b.length >= HEAD.length + TAIL.length
                && Arrays.equals(b, 0, HEAD.length, HEAD, 0, HEAD.length)
                && Arrays.equals(b, b.length - TAIL.length, b.length, TAIL, 0, TAIL.length);
    }

    private static int size(List<byte[]> events) {
        int n = HEAD.length + TAIL.length + events.size();
        for (byte[] e : events) {
            n += e.length;
        }
        return n;
    }
}
