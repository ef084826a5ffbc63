package org.nioecho.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The TLS contenders, all serving the run's one {@link BenchCertificate}: {@code reactor-tls}
 * (the server with {@code --tls --tls-cert --tls-key}), {@code netty-epoll-tls-jdk} and
 * {@code netty-epoll-tls-openssl} (Netty's {@code SslHandler} on the JDK's provider or on
 * BoringSSL through netty-tcnative, one epoll event loop).
 */
final class TlsContenders {
    static final List<String> NAMES = List.of("reactor-tls", "netty-epoll-tls-jdk", "netty-epoll-tls-openssl");

    private TlsContenders() {
    }

    static boolean known(String name) {
        return NAMES.contains(name);
    }

    static List<ServerSpec> specs(List<String> names, String java, List<String> jvmOptions, Path serverJar, Path benchJar,
                                  BenchCertificate certificate) {
        List<ServerSpec> specs = new ArrayList<>();
        for (String name : names.stream().distinct().toList()) {
            specs.add(spec(name, java, jvmOptions, serverJar, benchJar, certificate));
        }
        return specs;
    }

    static ServerSpec spec(String name, String java, List<String> jvmOptions, Path serverJar, Path benchJar,
                           BenchCertificate certificate) {
        String cert = certificate.certPem().toString();
        String key = certificate.keyPem().toString();
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmOptions);
        switch (name) {
            case "reactor-tls" -> {
                // {port}: the harness waits for LISTEN, as the TLS start line ends with the fingerprint, not the address
                command.addAll(List.of("-jar", serverJar.toString(), "--port", ServerSpec.PORT_PLACEHOLDER, "--tls",
                        "--tls-cert", cert, "--tls-key", key));
                return new ServerSpec(name, "this project with --tls (SSLEngine on the reactor thread)", command, null);
            }
            case "netty-epoll-tls-jdk", "netty-epoll-tls-openssl" -> {
                String provider = name.endsWith("openssl") ? "openssl" : "jdk";
                command.addAll(Contenders.nettyOptions());
                command.addAll(List.of("-cp", benchJar.toString(), NettyEchoServer.class.getName(), "--port", "0",
                        "--transport", "epoll", "--event-loops", "1", "--tls-cert", cert, "--tls-key", key, "--tls-provider", provider));
                return new ServerSpec(name, "Netty SslHandler on " + (provider.equals("jdk") ? "the JDK's SSLEngine"
                        : "OpenSSL (netty-tcnative-boringssl-static)") + ", epoll, one event loop", command, null);
            }
            default -> throw new IllegalArgumentException("unknown TLS server " + name + " (use " + String.join(", ", NAMES) + ")");
        }
    }
}
