package dev.portcullis.registry.authserver;

import java.util.Set;

/** docker_auth's {@code mongo_auth}: {@code dial_info} and the users {@code collection} (default "users"). */
record MongoAuthSettings(MongoDialSettings dial, String collection) implements BackendSettings.Login {
    static final String SECTION = "mongo_auth";

    static MongoAuthSettings parse(ConfigSection s) throws ConfigException {
        s.allowOnly(Set.of("dial_info", "collection"));
        return new MongoAuthSettings(MongoDialSettings.parse(s.section("dial_info")), s.string("collection", "users"));
    }

    @Override
    public String section() {
        return SECTION;
    }

    @Override
    public LoginBackend start() throws ConfigException {
        return new MongoLoginBackend(MongoConnection.open(dial, SECTION + ".dial_info."), this);
    }
}
