/**
 * {@code auth-server}: the Docker token issuer ({@link dev.portcullis.registry.authserver.AuthServerCommand}).
 * <p>
 * Configuration follows docker_auth's format where docker_auth has the feature; Portcullis extensions are marked (+).
 * <pre>
 * server:
 *   addr: ":5001"                 # HOST:PORT or :PORT (all interfaces)
 *   certificate: /tls/tls.crt     # PEM; required unless addr is loopback or insecure_http
 *   key: /tls/tls.key             # PEM (PKCS#8, PKCS#1 or SEC1); both re-read when they change
 *   insecure_http: false          # (+) allow plain HTTP on a non-loopback addr
 *   reload_interval: 2s           # (+) how often users_file, TLS and token signing files are checked
 *   idle_timeout: 30s             # (+) a connection silent this long is closed (a stalled request body too)
 * token:
 *   issuer: "Acme auth server"    # = auth.token.issuer in the registry
 *   service: "Acme registry"      # (+) = auth.token.service; other services are refused
 *   expiration: 900               # seconds or "15m"; at least 60
 *   certificate: /keys/token.crt  # signing certificate (chain, leaf first); default: server's
 *   key: /keys/token.key          # both re-read when they change (+): a renewal signs from the next token on
 *   kidformat: libtrust           # (+) libtrust (Distribution 2.x) | thumbprint (RFC 7638, Distribution 3)
 *   x5c: true                     # (+) put the certificate chain in the header
 *   trusted_certificates: []      # (+) earlier signing certificates: published and accepted for refresh
 *   refresh_expiration: 168h      # (+) lifetime of OAuth2 refresh tokens; they also die when the password changes
 * users:                          # static users, bcrypt ($2y$/$2a$/$2b$)
 *   alice: {password: "$2y$..."}
 *   "": {}                        # allows anonymous requests
 * users_file: /users/users.yml    # (+) same mapping, or htpasswd lines; reloaded on change; wins over users
 * acl:                            # first matching rule decides; no match = deny
 *   - match: {account: "/.+/", name: "${account}/*"}   # globs (path.Match) or /regex/ (unanchored); also type, service, ip
 *     actions: ["*"]
 * kubernetes:                     # (+) ServiceAccount tokens as passwords, checked with a TokenReview
 *   enabled: false                # needs the pod's API server address, ServiceAccount token and CA (see KubernetesApi)
 *   audiences: []                 # sent in the TokenReview and required in its answer
 *   namespaces: []                # only these namespaces' ServiceAccounts (empty = any)
 * throttle:                       # (+) failed logins, counted before the password is checked
 *   max_failures: 5               # per (account, client address) within window; 0 disables
 *   max_account_failures: 50      # per account from all addresses (default 10 x max_failures)
 *   window: 1m
 *   lockout: 1m
 * mongo_auth:                     # users from MongoDB: {username, password: bcrypt, labels: {k: [v]}} (MongoAuthenticator)
 *   dial_info:                    # also acl_mongo's (MongoDialSettings)
 *     addrs: ["mongo:27017"]      # or (+) uri_file: a file holding a mongodb:// URI, instead of addrs/username/password_file
 *     timeout: 10s                # connect, server selection and each read
 *     database: docker_auth
 *     username: ""
 *     password_file: ""           # its content, trimmed
 *     enable_tls: false
 *   collection: users
 * acl_mongo:                      # ACL entries {seq, match, actions, comment} from MongoDB, ordered by seq (MongoAcl)
 *   dial_info: {...}
 *   collection: acl
 *   cache_ttl: 1m                 # re-read interval; a failed read keeps the last good ACL; none read yet = deny all
 * ext_auth:                       # "ACCOUNT PASSWORD" on stdin; exit 0 allowed (+ labels JSON), 1 denied, 2 next (ExternalAuthenticator)
 *   command: /opt/auth/check      # absolute: no shell, empty environment
 *   args: []
 *   timeout: 5s                   # (+) then killed with its children; a denial
 * ext_authz:                      # AuthRequestInfo JSON on stdin; exit 0 + actions JSON list, 1 denied, 2 next (ExternalAuthorizer)
 *   command: /opt/auth/authorize
 *   args: []
 *   timeout: 5s                   # (+)
 * </pre>
 * Authenticators are asked in docker_auth's order: static users, mongo_auth, ext_auth (a static user's wrong password
 * ends the chain; an unknown name goes on); authorizers: acl, acl_mongo, ext_authz (the first with an opinion decides).
 * {@code match.labels: {group: "dev"}} in an ACL entry needs one of the account's {@code group} labels to match.
 * Routes: {@code GET|POST /auth}, {@code GET /certs.pem} (the registry's {@code rootcertbundle}),
 * {@code GET /.well-known/jwks.json}, {@code GET /healthz}.
 */
package dev.portcullis.registry.authserver;
