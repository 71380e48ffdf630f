package dev.portcullis.registry.auth;

/** Who made a request, as the access log and authorization see it. Never holds a credential. */
public record Identity(String subject, String method) {
    public static final Identity ANONYMOUS = new Identity("-", "anonymous");
}
