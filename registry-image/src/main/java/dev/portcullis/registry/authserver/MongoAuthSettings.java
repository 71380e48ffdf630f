package dev.portcullis.registry.authserver;

import java.util.Map;
import java.util.Set;

/** docker_auth's {@code mongo_auth}: {@code dial_info} and the users {@code collection} (default "users"). */
record MongoAuthSettings(MongoDialSettings dial, String collection) {
    static MongoAuthSettings fromConfig(Map<String, Object> section, String keyPrefix) throws ConfigException {
        SectionValues.onlyKeys(section, Set.of("dial_info", "collection"), keyPrefix);
        MongoDialSettings dial = MongoDialSettings.fromConfig(
                SectionValues.map(section.get("dial_info"), keyPrefix + "dial_info"), keyPrefix + "dial_info.");
        return new MongoAuthSettings(dial, SectionValues.string(section.get("collection"), keyPrefix + "collection", "users"));
    }
}
