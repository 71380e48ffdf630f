/**
 * {@code auth-server}: the Docker token issuer ({@link dev.portcullis.registry.authserver.AuthServerCommand}),
 * configured in cesanta/docker_auth's {@code auth_config.yml} format. Its whole configuration reference, worked
 * examples per backend and the differences from docker_auth are in {@code docs/token-issuer.md}.
 * <p>
 * Login backends implement {@link dev.portcullis.registry.authserver.LoginBackend}, access backends
 * {@link dev.portcullis.registry.authserver.AccessBackend}; a docker_auth section plugs in through
 * {@link dev.portcullis.registry.authserver.BackendSections}.
 */
package dev.portcullis.registry.authserver;
