/**
 * What issuing and verifying Docker registry tokens share: key ids ({@link dev.portcullis.registry.auth.token.KeyIds},
 * libtrust for Distribution 2.x and RFC 7638 thumbprints for Distribution 3), the one JWS algorithm per key
 * ({@link dev.portcullis.registry.auth.token.TokenAlgorithms}), PEM keys and certificate bundles
 * ({@link dev.portcullis.registry.auth.token.PemFiles}) and the {@code access} claim
 * ({@link dev.portcullis.registry.auth.token.AccessEntry}). A verifier builds {@code kid -> public key} from its
 * {@code rootcertbundle} with these, verifies with the key's own algorithm, then checks iss, aud, exp and nbf.
 */
package dev.portcullis.registry.auth.token;
