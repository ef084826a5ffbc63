package org.nioecho.bench;

import picocli.CommandLine.IVersionProvider;

/** The version for {@code --version}: the jar's Implementation-Version and the JVM it runs on. */
public final class BenchVersion implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = BenchVersion.class.getPackage().getImplementationVersion();
        return new String[] {
            "nioecho bench " + (version != null ? version : "(development build)"),
            "JVM: " + System.getProperty("java.vm.name") + " " + Runtime.version()
        };
    }
}
