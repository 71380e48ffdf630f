package dev.portcullis.registry.health;

import dev.portcullis.registry.config.ListenAddress;
import dev.portcullis.registry.storage.RegistryStorage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Distribution's {@code health} section as checks: storagedriver, file, http and tcp. */
public final class Checks {
    private Checks() {}

    public record Configured(HealthCheck check, boolean gatesApi) {}

    public static List<Configured> fromConfig(HealthSettings settings, String driver, RegistryStorage storage) {
        List<Configured> out = new ArrayList<>();
        // The storage is always probed for readiness; it gates the API only when enabled, as in Distribution.
        HealthSettings.StorageDriverCheck sd = settings.storageDriver();
        out.add(new Configured(check("storagedriver_" + driver, sd.interval(), sd.threshold(), storage::healthCheck),
                sd.enabled()));
        for (HealthSettings.FileCheck f : settings.files()) {
            Path file = f.file();
            out.add(new Configured(check("file_" + file, f.interval(), 1, () -> {
                if (Files.exists(file)) {
                    throw new IOException(file + " exists");
                }
            }), true));
        }
        for (HealthSettings.HttpCheck h : settings.http()) {
            out.add(new Configured(http(h), true));
        }
        for (HealthSettings.TcpCheck t : settings.tcp()) {
            ListenAddress addr = t.addr();
            int timeoutMillis = (int) t.timeout().toMillis();
            out.add(new Configured(check("tcp_" + addr, t.interval(), t.threshold(), () -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(addr.host(), addr.port()), timeoutMillis);
                }
            }), true));
        }
        return out;
    }

    private static HealthCheck http(HealthSettings.HttpCheck h) {
        URI uri = h.uri();
        HttpClient client = HttpClient.newBuilder().connectTimeout(h.timeout()).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(h.timeout())
                .method("HEAD", HttpRequest.BodyPublishers.noBody());
        h.headers().forEach((name, values) -> values.forEach(v -> request.header(name, v)));
        HttpRequest built = request.build();
        return check("http_" + uri, h.interval(), h.threshold(), () -> {
            int status = client.send(built, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status != h.statusCode()) {
                throw new IOException(uri + " answered " + status + ", expected " + h.statusCode());
            }
        });
    }

    /** A check from a probe. */
    public static HealthCheck check(String name, Duration interval, int threshold, Probe probe) {
        return new HealthCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Duration interval() {
                return interval;
            }

            @Override
            public int threshold() {
                return threshold;
            }

            @Override
            public void probe() throws Exception {
                probe.run();
            }
        };
    }

    @FunctionalInterface
    public interface Probe {
        void run() throws Exception;
    }
}
