package dev.portcullis.registry.authserver;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The issuer's docker_auth backends beyond the static users and ACL: {@code mongo_auth}, {@code acl_mongo},
 * {@code ext_auth}, {@code ext_authz} (each optional). They are asked in docker_auth's order: authenticators after
 * the static users, mongo_auth then ext_auth; authorizers after the static acl, acl_mongo then ext_authz.
 */
record TokenBackends(Optional<MongoAuthSettings> mongoAuth, Optional<MongoAclSettings> aclMongo,
                     Optional<ExternalProgramSettings> extAuth, Optional<ExternalProgramSettings> extAuthz) {
    static final Set<String> KEYS = Set.of("mongo_auth", "acl_mongo", "ext_auth", "ext_authz");

    static TokenBackends none() {
        return new TokenBackends(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** Reads the four sections from the configuration's top-level mapping; absent ones stay empty. */
    static TokenBackends fromConfig(Map<String, Object> top) throws ConfigException {
        return new TokenBackends(
                top.get("mongo_auth") == null ? Optional.empty()
                        : Optional.of(MongoAuthSettings.fromConfig(SectionValues.map(top.get("mongo_auth"), "mongo_auth"), "mongo_auth.")),
                top.get("acl_mongo") == null ? Optional.empty()
                        : Optional.of(MongoAclSettings.fromConfig(SectionValues.map(top.get("acl_mongo"), "acl_mongo"), "acl_mongo.")),
                top.get("ext_auth") == null ? Optional.empty()
                        : Optional.of(ExternalProgramSettings.fromConfig(SectionValues.map(top.get("ext_auth"), "ext_auth"), "ext_auth.")),
                top.get("ext_authz") == null ? Optional.empty()
                        : Optional.of(ExternalProgramSettings.fromConfig(SectionValues.map(top.get("ext_authz"), "ext_authz"), "ext_authz.")));
    }

    /** Whether any of these can log someone in (otherwise the static users or Kubernetes must). */
    boolean authenticates() {
        return mongoAuth.isPresent() || extAuth.isPresent();
    }

    /** The running backends; {@link #close()} releases their connections and threads. */
    record Opened(List<PasswordBackend> authenticators, List<Authorizer> authorizers, List<AutoCloseable> resources)
            implements AutoCloseable {
        /** The authorizer chain, {@code first} (the static acl) leading. */
        Authorizers after(Authorizer first) {
            List<Authorizer> chain = new ArrayList<>();
            chain.add(first);
            chain.addAll(authorizers);
            return new Authorizers(chain);
        }

        @Override
        public void close() {
            for (AutoCloseable r : resources) {
                try {
                    r.close();
                } catch (Exception e) {
                    System.getLogger(TokenBackends.class.getName()).log(System.Logger.Level.WARNING, "closing a backend: " + e);
                }
            }
        }
    }

    /** Connects (lazily, for MongoDB) and checks the programs exist; a problem names its key. */
    Opened open() throws ConfigException {
        List<PasswordBackend> authn = new ArrayList<>();
        List<Authorizer> authz = new ArrayList<>();
        List<AutoCloseable> resources = new ArrayList<>();
        Opened opened = new Opened(authn, authz, resources);
        try {
            if (mongoAuth.isPresent()) {
                MongoAuthenticator m = MongoAuthenticator.open(mongoAuth.get(), "mongo_auth.");
                resources.add(m);
                authn.add(m);
            }
            if (extAuth.isPresent()) {
                authn.add(new ExternalAuthenticator(ExternalProgram.open(extAuth.get(), "ext_auth.command")));
            }
            if (aclMongo.isPresent()) {
                MongoAcl m = MongoAcl.open(aclMongo.get(), "acl_mongo.");
                resources.add(m);
                authz.add(m);
            }
            if (extAuthz.isPresent()) {
                authz.add(new ExternalAuthorizer(ExternalProgram.open(extAuthz.get(), "ext_authz.command")));
            }
        } catch (ConfigException | RuntimeException e) {
            opened.close();
            throw e;
        }
        return opened;
    }
}
