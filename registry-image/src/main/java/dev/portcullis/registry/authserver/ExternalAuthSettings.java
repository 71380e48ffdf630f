package dev.portcullis.registry.authserver;

/** docker_auth's {@code ext_auth} section: the program that checks logins ({@link ExternalLoginBackend}). */
record ExternalAuthSettings(ExternalProgramCommand program) implements BackendSettings.Login {
    static final String SECTION = "ext_auth";

    static ExternalAuthSettings parse(ConfigSection s) throws ConfigException {
        return new ExternalAuthSettings(ExternalProgramCommand.parse(s, SECTION));
    }

    @Override
    public String section() {
        return SECTION;
    }

    @Override
    public LoginBackend start() throws ConfigException {
        return new ExternalLoginBackend(program.start());
    }
}
