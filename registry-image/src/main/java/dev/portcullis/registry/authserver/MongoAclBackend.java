package dev.portcullis.registry.authserver;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import org.bson.Document;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code acl_mongo}: ACL entries read from a MongoDB collection, docker_auth's {@code MongoACLEntry} documents
 * {@code {seq, match, actions, comment}}, ordered by {@code seq} and evaluated as the static {@code acl} (first match
 * decides, no match = no opinion). As docker_auth, the whole collection is read at start and again every
 * {@code cache_ttl}; a failed read (server down, a malformed entry) keeps the last good ACL and logs one line; until
 * one read has succeeded every request is answered ERROR (nothing granted, one log line and a metric per request).
 */
final class MongoAclBackend implements AccessBackend {
    private static final System.Logger LOG = System.getLogger(MongoAclBackend.class.getName());

    private final MongoClient client;
    private final MongoCollection<Document> entries;
    private final ScheduledExecutorService reloader;
    /** null until the first successful read. */
    private volatile Acl current;

    private MongoAclBackend(MongoClient client, MongoAclSettings settings) {
        this.client = client;
        this.entries = MongoConnection.database(client, settings.dial()).getCollection(settings.collection());
        this.reloader = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "acl_mongo-reload");
            t.setDaemon(true);
            return t;
        });
    }

    /** Reads the ACL once now (a failure is logged, not fatal) and then every {@code cache_ttl}. */
    static MongoAclBackend start(MongoAclSettings settings) throws ConfigException {
        MongoAclBackend acl = new MongoAclBackend(MongoConnection.open(settings.dial(), MongoAclSettings.SECTION + ".dial_info."), settings);
        acl.reload();
        long every = settings.cacheTtl().toMillis();
        acl.reloader.scheduleWithFixedDelay(acl::reload, every, every, TimeUnit.MILLISECONDS);
        return acl;
    }

    /** Reads the collection; on failure keeps the previous ACL. Returns whether the read succeeded. */
    boolean reload() {
        try {
            List<Document> docs = entries.find().into(new ArrayList<>());
            List<Numbered> numbered = new ArrayList<>();
            for (int i = 0; i < docs.size(); i++) {
                Document d = docs.get(i);
                String at = "acl_mongo[_id=" + d.get("_id") + "]";
                if (!(d.get("seq") instanceof Number seq)) {
                    throw new ConfigException(at + ".seq", "required: a number that orders the entries");
                }
                numbered.add(new Numbered(seq.doubleValue(), AclEntries.parse(new ConfigSection(at, d, null), Set.of("_id", "seq"))));
            }
            numbered.sort(Comparator.comparingDouble(Numbered::seq));
            Acl next = new Acl(numbered.stream().map(Numbered::rule).toList());
            boolean first = current == null;
            current = next;
            if (first) {
                LOG.log(System.Logger.Level.INFO, "acl_mongo: {0} entries loaded", Integer.toString(next.size()));
            }
            return true;
        } catch (ConfigException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "acl_mongo: ACL not reloaded, {0}: {1}",
                    current == null ? "denying every request until it loads" : "keeping the previous one",
                    LogText.firstLine(e.getMessage()));
            return false;
        }
    }

    private record Numbered(double seq, AclRule rule) {
    }

    @Override
    public String name() {
        return MongoAclSettings.SECTION;
    }

    @Override
    public AccessDecision authorize(AccessRequest request) {
        Acl acl = current;
        return acl == null ? AccessDecision.error("the ACL has not been read from MongoDB yet") : acl.authorize(request);
    }

    @Override
    public void close() {
        reloader.shutdownNow();
        client.close();
    }
}
