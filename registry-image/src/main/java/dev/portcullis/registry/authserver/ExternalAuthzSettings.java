package dev.portcullis.registry.authserver;

/** docker_auth's {@code ext_authz} section: the program that decides access ({@link ExternalAccessBackend}). */
record ExternalAuthzSettings(ExternalProgramCommand program) implements BackendSettings.Access {
    static final String SECTION = "ext_authz";

    static ExternalAuthzSettings parse(ConfigSection s) throws ConfigException {
        return new ExternalAuthzSettings(ExternalProgramCommand.parse(s, SECTION));
    }

    @Override
    public String section() {
        return SECTION;
    }

    @Override
    public AccessBackend start() throws ConfigException {
        return new ExternalAccessBackend(program.start());
    }
}
