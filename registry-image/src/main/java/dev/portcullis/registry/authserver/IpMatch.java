package dev.portcullis.registry.authserver;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * docker_auth's {@code match.ip}: one address ({@code 10.1.2.3}, {@code ::1}) or a subnet in prefix notation
 * ({@code 127.0.0.0/8}). Only literal addresses: a host name here would mean a DNS lookup per request.
 */
public final class IpMatch {
    private final byte[] network;
    private final int prefix;
    private final String source;

    private IpMatch(byte[] network, int prefix, String source) {
        this.network = network;
        this.prefix = prefix;
        this.source = source;
    }

    public static IpMatch parse(String s) {
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        byte[] bytes = literal(addr);
        if (bytes == null) {
            throw new IllegalArgumentException("'" + s + "' is not an IP address or ADDRESS/PREFIX");
        }
        int prefix = bytes.length * 8;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > bytes.length * 8) {
                throw new IllegalArgumentException("bad prefix length in '" + s + "'");
            }
        }
        return new IpMatch(bytes, prefix, s);
    }

    public boolean matches(String address) {
        byte[] a = address == null ? null : literal(address);
        if (a == null || a.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[full] & mask) == (network[full] & mask);
    }

    @Override
    public String toString() {
        return source;
    }

    private static byte[] literal(String s) {
        if (!s.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
            return null;
        }
        try {
            // InetAddress turns an IPv4-mapped IPv6 address (::ffff:a.b.c.d) into IPv4, so it matches IPv4 rules.
            return InetAddress.getByName(s).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
