package io.mqttcluster.broker.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tools the README tells users to run stay runnable: every {@code scripts/...} it names exists, and scripts/
 * holds no Java program that no build would compile (the Java tools live in the bench module).
 */
class ScriptsTest {

    private static final Path ROOT = Path.of("..");

    @Test
    void everyScriptTheReadmeNames_exists() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        Matcher m = Pattern.compile("scripts/[A-Za-z0-9_.-]+[A-Za-z0-9]").matcher(readme);
        TreeSet<String> named = new TreeSet<>();
        while (m.find()) {
            named.add(m.group());
        }
        assertThat(named).isNotEmpty();
        for (String script : named) {
            assertThat(ROOT.resolve(script)).as("README names %s", script).exists();
        }
    }

    @Test
    void scriptsHoldNoJavaPrograms() throws IOException {
        // no build compiles a single-file program there; the Java tools are bench subcommands
        // (bench fleet-failover, bench takeover), compiled and tested with the bench module
        List<Path> sources;
        try (Stream<Path> files = Files.list(ROOT.resolve("scripts"))) {
            sources = files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
        assertThat(sources).isEmpty();
    }
}
