package dev.portcullis.registry.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** A {@code HOST:PORT} listen address in Go's form: {@code :5000} means every interface. */
public record ListenAddress(String host, int port) {

    public static ListenAddress parse(String key, String text) {
        String s = text.trim();
        int colon = s.lastIndexOf(':');
        if (colon < 0) {
            throw new ConfigException(key, "'" + s + "' is not HOST:PORT (for example :5000 or 127.0.0.1:5000)");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigException(key, "'" + s + "' has no valid port number");
        }
        if (port < 0 || port > 65535) {
            throw new ConfigException(key, "port " + port + " is out of range");
        }
        return new ListenAddress(host.isEmpty() ? "0.0.0.0" : host, port);
    }

    /** True when only this machine can connect: the one case where plain HTTP is acceptable by default. */
    public boolean isLoopback() {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
