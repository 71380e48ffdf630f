package dev.portcullis.registry.authserver;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * docker_auth's {@code acl_mongo}: {@code dial_info}, the ACL {@code collection} (default "acl") and
 * {@code cache_ttl}, how often the ACL is read again (docker_auth's default, 1m).
 */
record MongoAclSettings(MongoDialSettings dial, String collection, Duration cacheTtl) {
    static MongoAclSettings fromConfig(Map<String, Object> section, String keyPrefix) throws ConfigException {
        SectionValues.onlyKeys(section, Set.of("dial_info", "collection", "cache_ttl"), keyPrefix);
        MongoDialSettings dial = MongoDialSettings.fromConfig(
                SectionValues.map(section.get("dial_info"), keyPrefix + "dial_info"), keyPrefix + "dial_info.");
        return new MongoAclSettings(dial, SectionValues.string(section.get("collection"), keyPrefix + "collection", "acl"),
                SectionValues.positiveDuration(section.get("cache_ttl"), keyPrefix + "cache_ttl", Duration.ofMinutes(1)));
    }
}
