package dev.portcullis.registry.authserver;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCredential;
import com.mongodb.ServerAddress;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Opens a MongoDB client from a {@link MongoDialSettings}. The client connects lazily: a server that is down at start
 * is not a start-up error (the backends fail closed and say so in one line per failure, and recover by themselves).
 */
final class MongoConnection {
    /**
     * The driver reports every failed connection attempt of its monitor thread with a stack trace at INFO; our
     * backends log one line per failure instead. Kept in a field: java.util.logging holds loggers weakly.
     */
    private static final Logger DRIVER_LOG = Logger.getLogger("org.mongodb.driver");

    static {
        DRIVER_LOG.setLevel(Level.WARNING);
    }

    private MongoConnection() {
    }

    /** The database named in {@code dial_info}; files ({@code password_file}, {@code uri_file}) are read now. */
    static MongoClient open(MongoDialSettings s, String keyPrefix) throws ConfigException {
        MongoClientSettings.Builder b = MongoClientSettings.builder();
        if (s.uriFile() != null) {
            String uri = read(s.uriFile(), keyPrefix + "uri_file");
            try {
                b.applyConnectionString(new ConnectionString(uri));
            } catch (IllegalArgumentException e) {
                // The driver's message may quote the URI, password included.
                throw new ConfigException(keyPrefix + "uri_file", s.uriFile() + " does not hold a valid mongodb:// connection string");
            }
        } else {
            List<ServerAddress> hosts = new ArrayList<>();
            for (String a : s.addrs()) {
                hosts.add(address(a, keyPrefix + "addrs"));
            }
            b.applyToClusterSettings(c -> c.hosts(hosts));
            if (!s.username().isEmpty()) {
                char[] password = s.passwordFile() == null ? new char[0] : read(s.passwordFile(), keyPrefix + "password_file").toCharArray();
                b.credential(MongoCredential.createCredential(s.username(), s.database(), password));
            }
        }
        if (s.enableTls()) {
            b.applyToSslSettings(t -> t.enabled(true));
        }
        long ms = s.timeout().toMillis();
        b.applyToClusterSettings(c -> c.serverSelectionTimeout(ms, TimeUnit.MILLISECONDS))
                .applyToSocketSettings(k -> k.connectTimeout((int) Math.min(ms, Integer.MAX_VALUE), TimeUnit.MILLISECONDS)
                        .readTimeout((int) Math.min(ms, Integer.MAX_VALUE), TimeUnit.MILLISECONDS));
        return MongoClients.create(b.build());
    }

    static MongoDatabase database(MongoClient client, MongoDialSettings s) {
        return client.getDatabase(s.database());
    }

    /** HOST, HOST:PORT, [V6] or [V6]:PORT, as mgo's addrs. */
    private static ServerAddress address(String a, String key) throws ConfigException {
        String host = a;
        String port = null;
        if (a.startsWith("[")) {
            int end = a.indexOf(']');
            if (end < 0 || (end + 1 < a.length() && a.charAt(end + 1) != ':')) {
                throw new ConfigException(key, "'" + a + "' is not HOST or HOST:PORT");
            }
            host = a.substring(1, end);
            port = end + 1 < a.length() ? a.substring(end + 2) : null;
        } else if (a.indexOf(':') >= 0) {
            if (a.indexOf(':') != a.lastIndexOf(':')) {
                throw new ConfigException(key, "'" + a + "': write an IPv6 address in brackets, [::1]:27017");
            }
            host = a.substring(0, a.indexOf(':'));
            port = a.substring(a.indexOf(':') + 1);
        }
        int p;
        try {
            p = port == null ? ServerAddress.defaultPort() : Integer.parseInt(port);
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (host.isBlank() || p < 1 || p > 65535) {
            throw new ConfigException(key, "'" + a + "' is not HOST or HOST:PORT");
        }
        return new ServerAddress(host, p);
    }

    private static String read(Path p, String key) throws ConfigException {
        try {
            String s = Files.readString(p, StandardCharsets.UTF_8).strip();
            if (s.isEmpty()) {
                throw new ConfigException(key, p + " is empty");
            }
            return s;
        } catch (IOException e) {
            throw new ConfigException(key, "cannot read " + p + ": " + e.getMessage());
        }
    }
}
