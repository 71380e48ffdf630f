package dev.portcullis.registry.authserver;

import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import org.bson.Document;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code mongo_auth}: users read from a MongoDB collection, documents {@code {username, password, labels}} as
 * docker_auth's {@code authUserEntry} ({@code password} a bcrypt hash, {@code labels} a map of string lists).
 * As docker_auth: an unknown user is {@code NoMatch} (the next authenticator decides), a wrong password a denial,
 * the labels go to the authorizers. Unlike docker_auth, a document without a bcrypt {@code password} denies
 * (docker_auth logs such a user in with any password); an unknown user costs one bcrypt against a dummy hash, as the
 * static users do, so the answer time does not tell which names exist. A lookup that fails (server down) is ERROR:
 * the login fails closed and the chain logs it.
 */
final class MongoLoginBackend implements LoginBackend {
    private static final System.Logger LOG = System.getLogger(MongoLoginBackend.class.getName());

    private final MongoClient client;
    private final MongoCollection<Document> users;
    /** Raised to the highest cost seen, so unknown users cost what known ones do. */
    private volatile String dummyHash = PasswordHashes.dummy(10);

    MongoLoginBackend(MongoClient client, MongoAuthSettings settings) {
        this.client = client;
        this.users = MongoConnection.database(client, settings.dial()).getCollection(settings.collection());
    }

    @Override
    public String name() {
        return MongoAuthSettings.SECTION;
    }

    @Override
    public LoginResult authenticate(String account, String password, String remoteAddress) {
        Document user;
        try {
            user = users.find(Filters.eq("username", account)).first();
        } catch (MongoException e) {
            return LoginResult.error("cannot look up the account: " + LogText.firstLine(e.getMessage()));
        }
        Object hash = user == null ? null : user.get("password");
        boolean usable = hash instanceof String h && PasswordHashes.isBcrypt(h);
        if (usable && PasswordHashes.cost((String) hash) > PasswordHashes.cost(dummyHash)) {
            dummyHash = PasswordHashes.dummy(PasswordHashes.cost((String) hash));
        }
        boolean ok = PasswordHashes.verify(password, usable ? (String) hash : dummyHash);
        if (user == null) {
            return LoginResult.noMatch();
        }
        if (!usable) {
            LOG.log(System.Logger.Level.WARNING, "mongo_auth: account={0} has no bcrypt password in its document, login refused",
                    Scopes.printable(account));
            return LoginResult.denied();
        }
        if (!ok) {
            return LoginResult.denied();
        }
        Map<String, List<String>> labels = labels(user.get("labels"));
        if (labels == null) {
            LOG.log(System.Logger.Level.WARNING, "mongo_auth: account={0} has labels that are not a map of string lists, login refused",
                    Scopes.printable(account));
            return LoginResult.denied();
        }
        return LoginResult.allowed(labels);
    }

    /** docker_auth's {@code api.Labels}; null when the document's value has another shape. */
    private static Map<String, List<String>> labels(Object o) {
        if (o == null) {
            return Map.of();
        }
        if (!(o instanceof Map<?, ?> m)) {
            return null;
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof List<?> values)) {
                return null;
            }
            List<String> strings = new ArrayList<>();
            for (Object v : values) {
                if (!(v instanceof String s)) {
                    return null;
                }
                strings.add(s);
            }
            out.put(String.valueOf(e.getKey()), List.copyOf(strings));
        }
        return out;
    }

    @Override
    public void close() {
        client.close();
    }
}
