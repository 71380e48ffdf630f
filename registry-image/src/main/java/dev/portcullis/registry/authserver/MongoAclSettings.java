package dev.portcullis.registry.authserver;

import java.time.Duration;
import java.util.Set;

/**
 * docker_auth's {@code acl_mongo}: {@code dial_info}, the ACL {@code collection} (default "acl") and
 * {@code cache_ttl}, how often the ACL is read again (docker_auth's default, 1m).
 */
record MongoAclSettings(MongoDialSettings dial, String collection, Duration cacheTtl) implements BackendSettings.Access {
    static final String SECTION = "acl_mongo";

    static MongoAclSettings parse(ConfigSection s) throws ConfigException {
        s.allowOnly(Set.of("dial_info", "collection", "cache_ttl"));
        return new MongoAclSettings(MongoDialSettings.parse(s.section("dial_info")), s.string("collection", "acl"),
                s.positiveDuration("cache_ttl", Duration.ofMinutes(1)));
    }

    @Override
    public String section() {
        return SECTION;
    }

    @Override
    public AccessBackend start() throws ConfigException {
        return MongoAclBackend.start(this);
    }
}
