package dev.portcullis.registry.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a handler decided to answer, computed off the event loop and written on it. Keeping the decision a value makes
 * handlers plain blocking code and leaves all socket work to {@link ReplyWriter}.
 */
public final class Reply {
    final int status;
    final Map<String, String> headers = new LinkedHashMap<>();
    Buffer body;
    Path file;
    long fileOffset;
    long fileLength;
    boolean headOnly;
    java.io.InputStream stream;
    long streamLength;

    private Reply(int status) {
        this.status = status;
    }

    public static Reply status(int status) {
        return new Reply(status);
    }

    public static Reply json(int status, JsonObject json) {
        return json(status, json, "application/json");
    }

    public static Reply json(int status, JsonObject json, String contentType) {
        Reply r = new Reply(status);
        r.body = json.toBuffer();
        r.headers.put("Content-Type", contentType);
        return r;
    }

    public Reply header(String name, Object value) {
        headers.put(name, String.valueOf(value));
        return this;
    }

    public Reply body(byte[] bytes, String contentType) {
        this.body = Buffer.buffer(bytes);
        headers.put("Content-Type", contentType);
        return this;
    }

    /** Sends {@code length} bytes of {@code path} from {@code offset}: zero-copy where the transport allows. */
    public Reply file(Path path, long offset, long length) {
        this.file = path;
        this.fileOffset = offset;
        this.fileLength = length;
        return this;
    }

    /** Sends {@code length} bytes read from {@code in}, with backpressure; the writer closes the stream. */
    public Reply stream(java.io.InputStream in, long length) {
        this.stream = in;
        this.streamLength = length;
        return this;
    }

    /** For HEAD: every header of the GET, Content-Length included, and no body. */
    public Reply headOnly(long contentLength) {
        this.headOnly = true;
        this.body = null;
        this.file = null;
        headers.put("Content-Length", Long.toString(contentLength));
        return this;
    }

    public int statusCode() {
        return status;
    }

    public String headerValue(String name) {
        return headers.get(name);
    }
}
