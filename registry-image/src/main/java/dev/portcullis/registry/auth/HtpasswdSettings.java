package dev.portcullis.registry.auth;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * The {@code auth.htpasswd} section.
 *
 * @param cacheTtl {@code cachettl}: how long a verified password is remembered, sparing bcrypt on every request
 * @param pullOnly {@code pullonly}: users who may pull but never push or delete
 */
public record HtpasswdSettings(String realm, Path path, Duration cacheTtl, Set<String> pullOnly) {
}
